using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Corpus;

/// <summary>How many corpus passages a learned classifier takes, and how the number of negatives follows the concept's
/// rarity.</summary>
public sealed record CorpusSampleSizes
{
    /// <summary>Negatives to train on: four times the number of unlabelled passages that would come with the labelled
    /// positives at the corpus's rate of possible mentions, within [Minimum, Maximum].</summary>
    public int MinimumNegatives { get; init; } = 1000;
    public int MaximumNegatives { get; init; } = 5000;
    public double NegativesPerNaturalNegative { get; init; } = 4;
    /// <summary>Passages the trainer searches for hard negatives (the ones its first model gets most wrong).</summary>
    public int MiningPool { get; init; } = 5000;
    /// <summary>Held-out corpus negatives for early stopping and the decision threshold (never trained on).</summary>
    public int Validation { get; init; } = 1000;
    /// <summary>Near misses added to the mining pool: passages that use words of the labelled spans without being
    /// possible mentions ("biomass energy" for forestry).</summary>
    public int NearMisses { get; init; } = 3000;

    public int Total => MaximumNegatives + MiningPool + Validation;

    /// <summary>The number of training negatives for <paramref name="positives"/> labelled positives at prior <paramref name="prior"/>.</summary>
    public int Negatives(int positives, double prior)
    {
        var rate = Math.Clamp(prior, 0.001, 0.999);
        var natural = positives * (1 - rate) / rate;
        return (int)Math.Clamp(Math.Round(NegativesPerNaturalNegative * natural), MinimumNegatives, MaximumNegatives);
    }
}

/// <summary>What was read from a corpus and what was drawn from it: recorded in the model card and the run record so a
/// model can be reproduced.</summary>
public sealed record CorpusSummary
{
    public required IReadOnlyList<string> Paths { get; init; }
    public required IReadOnlyList<CorpusFile> Files { get; init; }
    /// <summary>SHA-256 over the files' SHA-256s in order: one value for "the same corpus".</summary>
    public required string Sha256 { get; init; }
    public required long PassagesRead { get; init; }
    public required long EmptyPassages { get; init; }
    public required long MalformedLines { get; init; }
    public IReadOnlyList<string> FirstProblems { get; init; } = [];
    /// <summary>Corpus passages whose text is one of the concept's labelled passages: dropped.</summary>
    public required long DroppedAsLabelled { get; init; }
    /// <summary>Corpus passages that may mention the concept (<see cref="PossibleMentions"/>): never negatives.</summary>
    public required long PossibleMentions { get; init; }
    public required long Candidates { get; init; }
    /// <summary>The share of usable corpus passages that may mention the concept: an upper bound of its rate.</summary>
    public required double Prior { get; init; }
    public required int NegativesDrawn { get; init; }
    public required int MiningPool { get; init; }
    /// <summary>Of the mining pool, how many are near misses (passages using words of the labelled spans).</summary>
    public int NearMisses { get; init; }
    public required int ValidationNegatives { get; init; }
    public required int Seed { get; init; }
    public required double Seconds { get; init; }
}

/// <summary>Unlabelled corpus passages for training a learned classifier.</summary>
public sealed record CorpusSample
{
    public required IReadOnlyList<CorpusPassage> Negatives { get; init; }
    public required IReadOnlyList<CorpusPassage> MiningPool { get; init; }
    /// <summary>Passages that use words of the labelled spans without being possible mentions, for mining too.</summary>
    public IReadOnlyList<CorpusPassage> NearMisses { get; init; } = [];
    public required IReadOnlyList<CorpusPassage> Validation { get; init; }
    public required CorpusSummary Summary { get; init; }
}

/// <summary>Draws negatives from a corpus in one streaming pass. Every usable passage (not empty, not a labelled passage,
/// not a possible mention of the concept) gets a pseudo-random 64-bit key from its text and the seed, and the passages
/// with the smallest keys are kept (bottom-k sampling): memory holds only the sample, the sample does not depend on the
/// order of files or lines, and the same corpus and seed always give the same sample. Duplicate texts count once.</summary>
public static class CorpusSampler
{
    /// <param name="training">The labelled passages the classifier learns from: their spans tell what may be a mention.</param>
    /// <param name="labelledTexts">Every labelled text (training and evaluation): corpus passages with these texts are dropped.</param>
    public static CorpusSample Sample(IReadOnlyList<string> paths, Concept concept, IReadOnlyList<LabelledPassage> training,
        IReadOnlyCollection<string> labelledTexts, int seed, CorpusSampleSizes? sizes = null, CancellationToken cancellationToken = default)
    {
        sizes ??= new CorpusSampleSizes();
        var clock = Stopwatch.StartNew();
        var files = CorpusReader.ResolveFiles(paths);
        var labelled = labelledTexts as HashSet<string> ?? labelledTexts.ToHashSet(StringComparer.Ordinal);
        var mentions = new PossibleMentions(concept, training);
        var positives = training.Count(p => p.IsPositive);
        var reader = new CorpusReader();
        var keep = new BottomK<CorpusPassage>(sizes.Total);
        // Near misses are sampled per span word, so that a rare one ("biomass") is as present as a common one ("management").
        var perWord = Math.Max(5, sizes.NearMisses / Math.Max(1, mentions.SpanWords.Count));
        var nearMisses = mentions.SpanWords.ToDictionary(w => w, _ => new BottomK<CorpusPassage>(perWord), StringComparer.Ordinal);
        long read = 0, dropped = 0, possible = 0, candidates = 0;
        foreach (var passage in reader.Read(files, cancellationToken))
        {
            read++;
            if (labelled.Contains(passage.Text))
            {
                dropped++;
                continue;
            }
            if (mentions.Matches(passage.Text))
            {
                possible++;
                continue;
            }
            candidates++;
            var key = Key(passage.Text, seed);
            keep.Offer(key, passage);
            // Another key for near misses: with the same one, each word's smallest keys would be the sample's already.
            ulong? nearKey = null;
            foreach (var word in mentions.SpanWordsIn(passage.Text))
            {
                nearKey ??= Key(passage.Text, ~seed);
                nearMisses[word].Offer(nearKey.Value, passage);
            }
        }
        if (read == 0)
        {
            throw new KgException("EmptyCorpus", KgErrorKind.InvalidData,
                $"The corpus ({string.Join(", ", paths)}) has no passage with text{Problems(reader)}. It needs unlabelled passages: {CorpusReader.Accepted}.", string.Join(", ", paths));
        }
        if (dropped == read)
        {
            throw new KgException("CorpusIsLabelledSet", KgErrorKind.InvalidData,
                $"Every passage of the corpus ({string.Join(", ", paths)}) is one of {concept.WikibaseId}'s labelled passages: a corpus has to be other, unlabelled text (the documents the classifier will run on).", string.Join(", ", paths));
        }
        if (candidates == 0)
        {
            throw new KgException("NoCorpusNegatives", KgErrorKind.InvalidData,
                $"No passage of the corpus ({string.Join(", ", paths)}) can serve as a negative: of {read} passages, {dropped} are labelled passages and {possible} may mention {concept.WikibaseId}. Add text that is not about the concept.", string.Join(", ", paths));
        }
        var prior = possible / (double)(possible + candidates);
        var sample = keep.Smallest(sizes.Total);
        // The smallest keys are the validation set, the next the training negatives, then the mining pool: three
        // disjoint random samples, however many passages the corpus has.
        // A small corpus keeps four fifths of its candidates for training.
        var validation = sample.Take(Math.Min(sizes.Validation, Math.Max(1, sample.Count / 5))).ToArray();
        var negatives = sample.Skip(validation.Length).Take(sizes.Negatives(positives, prior)).ToArray();
        var pool = sample.Skip(validation.Length + negatives.Length).Take(sizes.MiningPool).ToArray();
        // Near misses are mined too, never the validation or training negatives they may already be among.
        var taken = validation.Concat(negatives).Concat(pool).Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        var near = nearMisses.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value.Smallest(perWord))
            .Where(p => taken.Add(p.Text)).Take(sizes.NearMisses).ToArray();
        return new CorpusSample
        {
            Negatives = negatives,
            MiningPool = pool,
            NearMisses = near,
            Validation = validation,
            Summary = new CorpusSummary
            {
                Paths = paths.ToArray(),
                Files = reader.Files,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", reader.Files.Select(f => f.Sha256))))),
                PassagesRead = read,
                EmptyPassages = reader.EmptyPassages,
                MalformedLines = reader.ProblemCount,
                FirstProblems = reader.Problems.Select(p => p.ToString()).ToArray(),
                DroppedAsLabelled = dropped,
                PossibleMentions = possible,
                Candidates = candidates,
                Prior = Math.Round(prior, 6),
                NegativesDrawn = negatives.Length,
                MiningPool = pool.Length,
                NearMisses = near.Length,
                ValidationNegatives = validation.Length,
                Seed = seed,
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            },
        };
    }

    private static string Problems(CorpusReader reader) => reader.ProblemCount == 0 ? ""
        : $" ({reader.ProblemCount} malformed lines, the first: {reader.Problems[0]})";

    /// <summary>The first 8 bytes of SHA-256(seed, text).</summary>
    internal static ulong Key(string text, int seed)
    {
        var bytes = Encoding.UTF8.GetBytes(seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\u001f" + text);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
