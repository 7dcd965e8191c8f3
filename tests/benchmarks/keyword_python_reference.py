"""Reference point for the keyword benchmark: the original keyword matching semantics (original-models.md §2.2)
in Python's `re`, over the same 1,965 text blocks, timed the same way (median of 15 runs x 20 passes after 30 warm-up
passes). Only a comparator for docs/benchmarks.md; it is not used by the module.

    python3 tests/benchmarks/keyword_python_reference.py ../shared/data
"""
import json, re, statistics, sys, time

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
concept = json.load(open(f"{data}/concepts/Q787.json"))
texts = [d["fields"]["text_block"] for d in json.load(open(f"{data}/documents/document_passage.json"))]
SEP = r"[\s\-–—]+"

def patterns(labels):
    labels = sorted((l for l in labels if l.strip()), key=len, reverse=True)
    def pat(l):
        parts = [re.escape(p) for p in re.split(SEP, l.strip()) if p]
        return parts[0] if len(parts) == 1 else SEP.join(parts)
    sens = [pat(l) for l in labels if any(c.isupper() or ord(c) > 127 for c in l)]
    ins = [pat(l) for l in labels if not any(c.isupper() or ord(c) > 127 for c in l)]
    mk = lambda ps, f: re.compile(r"(?<!\w)(?:" + "|".join(ps) + r")(?!\w)", f) if ps else None
    return mk(sens, 0), mk(ins, re.IGNORECASE)

def merge(ranges):
    groups = []
    for r in ranges:
        for g in groups:
            if any(m[0] < r[1] and r[0] < m[1] for m in g):
                g.append(r); break
        else:
            groups.append([r])
    return [(min(x[0] for x in g), max(x[1] for x in g)) for g in groups]

pos = patterns(list({concept["preferred_label"], *concept["alternative_labels"]}))
neg = patterns(concept.get("negative_labels", []))

def predict(text):
    found = [(m.start(), m.end()) for p in pos if p for m in p.finditer(text) if m.end() > m.start()]
    spans = merge(found)
    if not spans:
        return []
    negs = merge([(m.start(), m.end()) for p in neg if p for m in p.finditer(text)])
    return [s for s in spans if not any(n[0] < s[1] and s[0] < n[1] for n in negs)]

for _ in range(30):
    for t in texts: predict(t)
rates = []
for _ in range(15):
    start = time.perf_counter()
    for _ in range(20):
        for t in texts: predict(t)
    rates.append(len(texts) * 20 / (time.perf_counter() - start))
print(f"python re: {sum(len(predict(t)) for t in texts)} spans found")
print(f"python re: median {statistics.median(rates):.0f} passages/s (min {min(rates):.0f}, max {max(rates):.0f}), Python {sys.version.split()[0]}")
