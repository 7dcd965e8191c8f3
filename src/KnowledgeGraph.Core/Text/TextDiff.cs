using System.Text;

namespace KnowledgeGraph.Text;

/// <summary>A line diff rendered as a unified diff with 3 lines of context. The common head and tail are stripped first;
/// the middle is diffed with Myers' O(ND) algorithm, or (when it differs too much for that to be cheap) shown as one
/// replacement.</summary>
public static class TextDiff
{
    private const int Context = 3;
    private const int MaxEditDistance = 2000;

    public static (string Diff, int Added, int Removed) Unified(string oldText, string newText, string oldName, string newName)
    {
        var a = Lines(oldText);
        var b = Lines(newText);
        var ops = Diff(a, b);
        var added = ops.Count(o => o.Kind == '+');
        var removed = ops.Count(o => o.Kind == '-');
        if (added == 0 && removed == 0)
        {
            return ("", 0, 0);
        }
        var sb = new StringBuilder().Append("--- ").Append(oldName).Append('\n').Append("+++ ").Append(newName).Append('\n');
        foreach (var (start, end) in Hunks(ops))
        {
            var hunk = ops.GetRange(start, end - start);
            var oldCount = hunk.Count(o => o.Kind != '+');
            var newCount = hunk.Count(o => o.Kind != '-');
            // Unified diff numbers lines from 1, and names the line before an empty range (0 for an empty file).
            sb.Append("@@ -").Append(hunk[0].A + (oldCount > 0 ? 1 : 0)).Append(',').Append(oldCount)
              .Append(" +").Append(hunk[0].B + (newCount > 0 ? 1 : 0)).Append(',').Append(newCount).Append(" @@\n");
            foreach (var o in hunk)
            {
                sb.Append(o.Kind).Append(o.Text).Append('\n');
            }
        }
        return (sb.ToString(), added, removed);
    }

    /// <summary>An edit: ' ' keep, '-' remove, '+' add; A and B are the line indexes in the old and new text where it applies.</summary>
    private readonly record struct Op(char Kind, string Text, int A, int B);

    private static string[] Lines(string text) => text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');

    /// <summary>Ranges [start, end) of ops to show: each change with up to 3 unchanged lines around it, merged when close.</summary>
    private static List<(int Start, int End)> Hunks(List<Op> ops)
    {
        var hunks = new List<(int Start, int End)>();
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].Kind == ' ')
            {
                continue;
            }
            var start = Math.Max(0, i - Context);
            var end = Math.Min(ops.Count, i + 1 + Context);
            if (hunks.Count > 0 && start <= hunks[^1].End)
            {
                hunks[^1] = (hunks[^1].Start, end);
            }
            else
            {
                hunks.Add((start, end));
            }
        }
        return hunks;
    }

    private static List<Op> Diff(string[] a, string[] b)
    {
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)]) tail++;

        var ops = new List<Op>(a.Length + b.Length);
        for (var i = 0; i < head; i++) ops.Add(new Op(' ', a[i], i, i));
        var midA = a[head..(a.Length - tail)];
        var midB = b[head..(b.Length - tail)];
        var middle = Myers(midA, midB) ?? [.. midA.Select((t, i) => new Op('-', t, i, 0)), .. midB.Select((t, j) => new Op('+', t, midA.Length, j))];
        ops.AddRange(middle.Select(o => o with { A = o.A + head, B = o.B + head }));
        for (var i = 0; i < tail; i++)
        {
            ops.Add(new Op(' ', a[a.Length - tail + i], a.Length - tail + i, b.Length - tail + i));
        }
        return ops;
    }

    /// <summary>The shortest edit script, or null when it is longer than <see cref="MaxEditDistance"/>.</summary>
    private static List<Op>? Myers(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length;
        if (n == 0 || m == 0)
        {
            return [.. a.Select((t, i) => new Op('-', t, i, 0)), .. b.Select((t, j) => new Op('+', t, 0, j))];
        }
        var max = Math.Min(n + m, MaxEditDistance);
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y]) { x++; y++; }
                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    return Backtrack(trace, a, b, d, offset);
                }
            }
        }
        return null;
    }

    private static List<Op> Backtrack(List<int[]> trace, string[] a, string[] b, int d, int offset)
    {
        var ops = new List<Op>();
        int x = a.Length, y = b.Length;
        for (; d > 0; d--)
        {
            var v = trace[d];
            var k = x - y;
            var prevK = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
            var prevX = v[offset + prevK];
            var prevY = prevX - prevK;
            while (x > prevX && y > prevY) { x--; y--; ops.Add(new Op(' ', a[x], x, y)); }
            if (x == prevX) { y--; ops.Add(new Op('+', b[y], x, y)); }
            else { x--; ops.Add(new Op('-', a[x], x, y)); }
        }
        while (x > 0 && y > 0) { x--; y--; ops.Add(new Op(' ', a[x], x, y)); }
        ops.Reverse();
        return ops;
    }
}
