using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using Xunit;

namespace KnowledgeGraph.Tests;

public class IdentifierTests
{
    [Theory]
    [InlineData("emzfprbj", new object?[] { "test" })]
    [InlineData("asbtfbnq", new object?[] { "existing_classifier" })]
    [InlineData("9tvbevth", new object?[] { "a", 1, null, 0.5, true })]
    [InlineData("f8at8qv5", new object?[] { "Q123", "Concept 123", null, null })]
    [InlineData("xcqj62uy", new object?[] { "KeywordClassifier", "f8at8qv5" })]
    public void Generate_matches_the_original_test_vectors(string expected, object?[] args) =>
        Assert.Equal(expected, Identifier.Generate(args));

    /// <summary>The span fast path hashes the same bytes: non-ASCII and astral text, no concept, a text longer than its
    /// stack buffer, negative and large indices.</summary>
    [Theory]
    [InlineData("Forests and woodland", 0, 7, "Q787")]
    [InlineData("Émissions de CO₂ 🌍 et forêts", 5, 20, null)]
    [InlineData("", -1, int.MaxValue, "")]
    [InlineData(null, 3, 900, "Q1")]
    public void The_span_identifier_is_the_generated_one(string? text, int start, int end, string? concept)
    {
        text ??= string.Concat(Enumerable.Repeat("ä long passage of policy text, ", 200));
        Assert.Equal(Identifier.Generate(text, start, end, concept), Identifier.OfSpan(text, start, end, concept));
    }

    [Fact]
    public void Generate_requires_an_argument() => Assert.Throws<ArgumentException>(() => Identifier.Generate());

    [Fact]
    public void Generated_ids_use_the_alphabet_and_are_valid()
    {
        for (var i = 0; i < 200; i++)
        {
            var id = Identifier.Generate("x", i);
            Assert.Equal(8, id.Length);
            Assert.True(Identifier.IsValid(id));
            Assert.DoesNotContain(id, c => "il1o0".Contains(c));
        }
    }

    [Theory]
    [InlineData("abcdefg")]
    [InlineData("abcdefghj")]
    [InlineData("abcdefgi")]
    [InlineData("ABCDEFGH")]
    [InlineData("abcdefg\n")]
    [InlineData("")]
    public void Invalid_classifier_ids_are_rejected_with_the_value_named(string value)
    {
        var e = Assert.Throws<KgException>(() => Identifier.ParseClassifierId(value));
        Assert.Equal("InvalidClassifierId", e.ErrorId);
        Assert.Contains(WikibaseIdPrintable(value), e.Message);
    }

    private static string WikibaseIdPrintable(string v) => v.Replace("\n", "\\n");

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.7, "0.7")]
    [InlineData(1.0, "1.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(123.456, "123.456")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(2.5e20, "2.5e+20")]
    [InlineData(0.0, "0.0")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void Floats_are_written_like_python_repr(double value, string expected) =>
        Assert.Equal(expected, PythonStr.Float(value));

    [Fact]
    public void Python_str_of_other_values()
    {
        Assert.Equal("None", PythonStr.Of(null));
        Assert.Equal("True", PythonStr.Of(true));
        Assert.Equal("False", PythonStr.Of(false));
        Assert.Equal("42", PythonStr.Of(42));
        Assert.Equal("-7", PythonStr.Of(-7L));
    }

    [Theory]
    [InlineData("Q1")]
    [InlineData("Q787")]
    [InlineData("Q1234567890")]
    public void Valid_wikibase_ids(string value)
    {
        Assert.True(WikibaseId.IsValid(value));
        Assert.Equal(value, WikibaseId.Parse(value).Value);
    }

    [Theory]
    [InlineData("Q0")]
    [InlineData("q1")]
    [InlineData("Q01")]
    [InlineData("Q1\n")]
    [InlineData("abc")]
    [InlineData("Q")]
    [InlineData("")]
    [InlineData(" Q1")]
    [InlineData("Q1 ")]
    [InlineData("Q١")] // Arabic-Indic digit: Unicode \d, not ASCII
    [InlineData("P31")]
    public void Invalid_wikibase_ids_are_rejected(string value)
    {
        Assert.False(WikibaseId.IsValid(value));
        var e = Assert.Throws<KgException>(() => WikibaseId.Parse(value));
        Assert.Equal("InvalidWikibaseId", e.ErrorId);
        Assert.Equal(KgErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("Q787", e.Message); // says what would be valid
    }

    [Fact]
    public void Wikibase_ids_order_numerically()
    {
        var sorted = new[] { "Q10", "Q2", "Q1", "Q100", "Q21" }.Select(WikibaseId.Parse).Order().Select(x => x.Value);
        Assert.Equal(["Q1", "Q2", "Q10", "Q21", "Q100"], sorted);
        Assert.True(WikibaseId.Parse("Q2") < WikibaseId.Parse("Q10"));
        Assert.Equal(WikibaseId.Parse("Q5"), WikibaseId.Parse("Q5"));
        Assert.Equal(787, WikibaseId.Parse("Q787").Number);
    }

    [Theory]
    [InlineData("v0", 0)]
    [InlineData("v1", 1)]
    [InlineData("v10", 10)]
    public void Versions_parse(string text, int number)
    {
        var v = ModelVersion.Parse(text);
        Assert.Equal(number, v.Number);
        Assert.Equal("v" + number, v.ToString());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("v")]
    [InlineData("v1.0")]
    [InlineData("V1")]
    [InlineData("v1\n")]
    [InlineData("latest")]
    [InlineData("v01")]
    [InlineData("v00")]
    public void Invalid_versions_are_rejected(string text)
    {
        var e = Assert.Throws<KgException>(() => ModelVersion.Parse(text));
        Assert.Equal("InvalidVersion", e.ErrorId);
    }

    [Fact]
    public void Versions_compare_numerically()
    {
        Assert.True(ModelVersion.Parse("v10") > ModelVersion.Parse("v2"));
        Assert.Equal(["v1", "v2", "v10"], new[] { "v10", "v1", "v2" }.Select(x => ModelVersion.Parse(x)).Order().Select(v => v.ToString()));
        Assert.Single(new[] { ModelVersion.Parse("v3"), new ModelVersion(3) }.Distinct());
    }

    [Fact]
    public void Concept_and_keyword_ids_change_with_labels()
    {
        var a = new Concept("Concept 123", wikibaseId: "Q123");
        Assert.Equal("f8at8qv5", a.Id);
        Assert.Equal("xcqj62uy", new KeywordClassifier(a).Id);
        var b = new Concept("Concept 123", ["other"], wikibaseId: "Q123");
        Assert.NotEqual(a.Id, b.Id);
        var c = new Concept("Concept 123", wikibaseId: "Q123", classifierIds: [new ClassifierIdClaim(StatementRank.Preferred, "abcd2345")]);
        Assert.Equal(a.Id, c.Id); // classifier_ids do not affect the id
    }
}
