using Microsoft.ML.Tokenizers;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>The encoder's tokenizer: BERT's basic tokenization (lower-casing and accent stripping for an uncased
/// vocabulary, splitting at white space and punctuation, CJK characters apart) then WordPiece over the encoder's own
/// vocabulary, through Microsoft.ML.Tokenizers.</summary>
internal sealed class WordPieces
{
    private readonly BertTokenizer _tokenizer;

    public WordPieces(string vocabularyPath, bool uncased)
    {
        using var vocabulary = File.OpenRead(vocabularyPath);
        _tokenizer = BertTokenizer.Create(vocabulary, new BertOptions
        {
            LowerCaseBeforeTokenization = uncased,
            RemoveNonSpacingMarks = uncased,
            ApplyBasicTokenization = true,
            IndividuallyTokenizeCjk = true,
        });
    }

    public int PaddingId => _tokenizer.PaddingTokenId;

    /// <summary>[CLS], the text's first <paramref name="maxTokens"/> − 2 word pieces, [SEP].</summary>
    public int[] Encode(string text, int maxTokens)
    {
        var pieces = _tokenizer.EncodeToIds(WhiteSpaceAsSpace(text), addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        var kept = Math.Min(pieces.Count, Math.Max(0, maxTokens - 2));
        var ids = new int[kept + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < kept; i++) ids[i + 1] = pieces[i];
        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>BERT reads every white space character (line breaks and tabs too) as a space; the library's normalizer
    /// drops line breaks as control characters, which would glue "the\nwood" into one word.</summary>
    private static string WhiteSpaceAsSpace(string text) =>
        !text.Any(c => c != ' ' && char.IsWhiteSpace(c))
            ? text
            : string.Create(text.Length, text, static (span, source) =>
            {
                for (var i = 0; i < source.Length; i++) span[i] = char.IsWhiteSpace(source[i]) ? ' ' : source[i];
            });
}
