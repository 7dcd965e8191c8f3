using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Training;

/// <summary>Splits passages by document, never across one: a passage's fold is
/// <c>UInt64BigEndian(SHA256(UTF8(salt + document_id))[0..8]) % k</c>, with the document ID from the passage's
/// <c>document_id</c> metadata (its own ID when it has none). With no salt this is the Q787 benchmark protocol's split
/// (original-models.md §7.3).</summary>
public static class DocumentFolds
{
    public static string DocumentOf(LabelledPassage passage) =>
        passage.Metadata.TryGetValue("document_id", out var d) && d is string s && s.Length > 0 ? s : passage.Id;

    public static int Fold(LabelledPassage passage, int folds, string salt = "") => Fold(DocumentOf(passage), folds, salt);

    public static int Fold(string documentId, int folds, string salt = "")
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(salt + documentId));
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)folds);
    }

    /// <summary>(rest, held out): the held-out fold of <paramref name="passages"/>.</summary>
    public static (IReadOnlyList<LabelledPassage> Remaining, IReadOnlyList<LabelledPassage> HeldOut) Split(
        IReadOnlyList<LabelledPassage> passages, int folds, int heldOut, string salt = "")
    {
        var rest = new List<LabelledPassage>();
        var held = new List<LabelledPassage>();
        foreach (var p in passages)
        {
            (Fold(p, folds, salt) == heldOut ? held : rest).Add(p);
        }
        return (rest, held);
    }
}
