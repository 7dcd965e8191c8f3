using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KnowledgeGraph.Identifiers;

/// <summary>The original system's deterministic 8-character identifiers (concept, classifier, span and passage IDs):
/// SHA-256 of the UTF-8 concatenation of Python <c>str()</c> of each argument, no separator; each of the first
/// 8 digest bytes picks <c>Alphabet[b % 31]</c>.</summary>
public static class Identifier
{
    public const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
    public const int Length = 8;

    public static string Generate(params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            throw new ArgumentException("Identifier.Generate requires at least one argument.", nameof(args));
        }
        var sb = new StringBuilder();
        foreach (var arg in args)
        {
            sb.Append(PythonStr.Of(arg));
        }
        return FromText(sb.ToString());
    }

    /// <summary>The identifier of an already-concatenated string (the common single-argument case).</summary>
    public static string FromText(string text) => FromUtf8(Encoding.UTF8.GetBytes(text));

    /// <summary>A span's identifier, <c>Generate(text, startIndex, endIndex, conceptId)</c>, without the intermediate
    /// strings: inference identifies every span it writes, and the text is a whole passage.</summary>
    public static string OfSpan(string text, int startIndex, int endIndex, string? conceptId)
    {
        var concept = conceptId ?? "None";
        var most = Encoding.UTF8.GetMaxByteCount(text.Length + concept.Length) + 2 * 11;
        byte[]? rented = null;
        var buffer = most <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(most));
        try
        {
            var n = Encoding.UTF8.GetBytes(text, buffer);
            startIndex.TryFormat(buffer[n..], out var written, default, CultureInfo.InvariantCulture);
            n += written;
            endIndex.TryFormat(buffer[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
            n += Encoding.UTF8.GetBytes(concept, buffer[n..]);
            return FromUtf8(buffer[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string FromUtf8(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        Span<char> chars = stackalloc char[Length];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[digest[i] % Alphabet.Length];
        }
        return new string(chars);
    }

    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Validates a classifier ID and returns it; the error names the value and the rule.</summary>
    public static string ParseClassifierId(string? value) => Parse(value, "classifier ID", "InvalidClassifierId");

    public static string ParseConceptId(string? value) => Parse(value, "concept ID", "InvalidConceptId");

    private static string Parse(string? value, string what, string errorId)
    {
        if (!IsValid(value))
        {
            throw new KgException(errorId, KgErrorKind.InvalidArgument,
                $"'{WikibaseId.Printable(value)}' is not a valid {what}. A {what} is {Length} characters from '{Alphabet}', such as 'rmaavduy'.",
                value);
        }
        return value!;
    }
}
