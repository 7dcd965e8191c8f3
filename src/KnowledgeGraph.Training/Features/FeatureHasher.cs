using System.Text;

namespace KnowledgeGraph.Training.Features;

/// <summary>Stable 64-bit FNV-1a hashing of strings into a fixed number of buckets (never string.GetHashCode, which
/// changes from process to process). Bucket 0 is reserved for padding.</summary>
public static class FeatureHasher
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Hash(string text, string salt = "")
    {
        var h = Offset;
        foreach (var b in Encoding.UTF8.GetBytes(salt))
        {
            h = (h ^ b) * Prime;
        }
        h = (h ^ 0xFF) * Prime; // separator between salt and text
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            h = (h ^ b) * Prime;
        }
        return h;
    }

    /// <summary>A bucket in [1, buckets).</summary>
    public static long Bucket(string text, int buckets, string salt = "") => 1 + (long)(Hash(text, salt) % (ulong)(buckets - 1));

    /// <summary>The character n-grams (n from <paramref name="min"/> to <paramref name="max"/>) of "&lt;word&gt;", fastText style.</summary>
    public static IEnumerable<string> CharNgrams(string word, int min, int max)
    {
        var w = "<" + word + ">";
        for (var n = min; n <= max; n++)
        {
            for (var i = 0; i + n <= w.Length; i++)
            {
                yield return w.Substring(i, n);
            }
        }
    }
}
