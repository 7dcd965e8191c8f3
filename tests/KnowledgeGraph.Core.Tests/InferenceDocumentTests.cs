using System.IO.Compression;
using System.Text;
using KnowledgeGraph.Inference;
using Xunit;

namespace KnowledgeGraph.Tests;

public class DocumentSourceTests
{
    [Theory]
    [InlineData("Sabin.document.16944.17490", "sabin")]
    [InlineData("CPR.document.0.1", "cpr")]
    [InlineData("UNFCCC.party.492.0", "unfccc")]
    [InlineData("nodots", "nodots")]
    public void The_source_is_the_first_dot_separated_part_lower_cased(string id, string source) =>
        Assert.Equal(source, DocumentSource.Of(id));

    [Theory]
    [InlineData("Sabin.document.1", true)]
    [InlineData("SABIN.document.1", true)]
    [InlineData("CCLW.executive.1", false)]     // a known source, not in the list
    [InlineData("Sabinx.document.1", false)]
    [InlineData("HTML.document.0.1", false)]    // unknown sources are never skipped
    public void A_document_is_skipped_when_its_known_source_is_in_dont_run_on(string id, bool skipped) =>
        Assert.Equal(skipped, DocumentSource.ShouldSkip(id, ["gef", "sabin"]));

    [Fact]
    public void Nothing_is_skipped_without_dont_run_on()
    {
        Assert.False(DocumentSource.ShouldSkip("Sabin.document.1", null));
        Assert.False(DocumentSource.ShouldSkip("Sabin.document.1", []));
    }
}

public class DocumentReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private DocumentFile Write(string name, string content)
    {
        var path = Path.Combine(_folder.Path, name);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
            gz.Write(Encoding.UTF8.GetBytes(content));
        }
        else
        {
            File.WriteAllText(path, content);
        }
        return DocumentFile.Of(path);
    }

    private static string Parser(string blocks, string? languages = null, bool valid = true, string data = "html_data") =>
        "{\"document_id\": \"X.1\", \"document_name\": \"\", \"document_content_type\": \"text/html\", \"document_metadata\": {}" +
        (languages is null ? "" : $", \"languages\": {languages}") +
        $", \"{data}\": {{\"has_valid_text\": {(valid ? "true" : "false")}, \"text_blocks\": [{blocks}]}}}}";

    [Theory]
    [InlineData("CPR.document.0.1.json", "CPR.document.0.1")]
    [InlineData("a/b/GEF.document.0.1.json.gz", "GEF.document.0.1")]
    [InlineData("passages.jsonl", "passages")]
    [InlineData("odd.name.JSONL.GZ", "odd.name")]
    public void A_document_id_is_the_file_name_without_its_extensions(string path, string id) =>
        Assert.Equal(id, DocumentFile.Of(path).Id);

    [Fact]
    public void A_file_name_that_gives_no_id_is_refused() =>
        Assert.Equal("InvalidDocumentName", Assert.Throws<KgException>(() => DocumentFile.Of("/tmp/.json")).ErrorId);

    [Fact]
    public void The_three_parser_output_fixtures_read_as_the_original_reads_them()
    {
        var folder = SharedData.PathOf("documents", "parser-output");
        var cpr = DocumentReader.Read(DocumentFile.Of(Path.Combine(folder, "CPR.document.0.1.json")));
        var gef = DocumentReader.Read(DocumentFile.Of(Path.Combine(folder, "GEF.document.0.1.json")));
        var sabin = DocumentReader.Read(DocumentFile.Of(Path.Combine(folder, "Sabin.document.16944.17490.json")));
        foreach (var d in new[] { cpr, gef, sabin })
        {
            Assert.Equal(DocumentFormat.ParserOutput, d.Format);
            Assert.Null(d.NoOpReason);
            Assert.Equal(20, d.Passages.Count);
            Assert.Equal("p_0_b_0", d.Passages[0].Id);
            Assert.Equal("Ministry of Environment and Natural Resources", d.Passages[0].Text);
        }
        Assert.Equal("sabin", sabin.Source);
        Assert.Equal("HTML.document.0.1", sabin.DeclaredId);   // the file stem, not the declared ID, names the document
        Assert.Equal("Sabin.document.16944.17490", sabin.Id);
        Assert.Equal("gef", gef.Source);
    }

    [Fact]
    public void Block_lines_are_stripped_and_joined_and_page_numbers_tables_and_figures_left_out()
    {
        var d = DocumentReader.Read(Write("A.1.json", Parser("""
            {"text": ["  Forests  ", "\tcover land.\u00a0"], "text_block_id": "b1", "type": "Text", "type_confidence": 1},
            {"text": ["12"], "text_block_id": "b2", "type": "pageNumber", "type_confidence": 1},
            {"text": ["a | b"], "text_block_id": "b3", "type": "Table", "type_confidence": 1},
            {"text": ["fig"], "text_block_id": "b4", "type": "Figure", "type_confidence": 1},
            {"text": [], "text_block_id": "b5", "type": "Title", "type_confidence": 1}
            """)));
        Assert.Equal([("b1", "Forests cover land."), ("b5", "")], d.Passages.Select(p => (p.Id, p.Text)));
    }

    [Theory]
    [InlineData("[\"fr\"]", true)]
    [InlineData("[\"en\", \"fr\"]", true)]
    [InlineData("[\"en\"]", false)]
    [InlineData("[]", false)]
    [InlineData(null, false)]          // no languages declared (as in the original's own fixtures): run
    public void Documents_that_are_not_english_only_are_no_ops(string? languages, bool noOp)
    {
        var d = DocumentReader.Read(Write("A.1.json", Parser("""{"text": ["x"], "text_block_id": "b1", "type": "Text", "type_confidence": 1}""", languages)));
        Assert.Equal(noOp, d.NoOpReason is not null);
        Assert.Equal(noOp ? 0 : 1, d.Passages.Count);
    }

    [Fact]
    public void Html_without_valid_text_and_documents_without_data_are_no_ops()
    {
        Assert.Contains("has_valid_text", DocumentReader.Read(Write("A.1.json", Parser("", valid: false))).NoOpReason);
        Assert.Contains("no text", DocumentReader.Read(Write("A.2.json", """{"document_id": "A.2", "html_data": null, "pdf_data": null}""")).NoOpReason);
    }

    [Fact]
    public void Pdf_blocks_are_read_when_there_is_no_html_data()
    {
        var d = DocumentReader.Read(Write("A.1.json", """
            {"document_id": "A.1", "languages": ["en"], "html_data": null,
             "pdf_data": {"md5sum": "", "page_metadata": [], "text_blocks": [{"text": ["pdf text"], "text_block_id": "p_1_b_0", "type": "Text", "type_confidence": 0.9, "coords": [], "page_number": 1}]}}
            """));
        Assert.Equal([("p_1_b_0", "pdf text")], d.Passages.Select(p => (p.Id, p.Text)));
    }

    [Fact]
    public void Gzip_files_and_passage_files_are_documents_too()
    {
        var gz = DocumentReader.Read(Write("B.1.json.gz", Parser("""{"text": ["gz"], "text_block_id": "b1", "type": "Text", "type_confidence": 1}""")));
        Assert.Equal("gz", gz.Passages.Single().Text);
        var jsonl = DocumentReader.Read(Write("C.1.jsonl", "{\"id\": \"p1\", \"text\": \"one\", \"spans\": [], \"metadata\": {}}\n{\"text\": \"two\"}\n"));
        Assert.Equal(DocumentFormat.Passages, jsonl.Format);
        Assert.Equal(["p1", "one", "two"], [jsonl.Passages[0].Id, jsonl.Passages[0].Text, jsonl.Passages[1].Text]);
    }

    [Theory]
    [InlineData("this is not JSON")]
    [InlineData("")]
    [InlineData("{\"document_id\": \"x\", \"something\": 1}")]
    [InlineData("{\"html_data\": {\"text_blocks\": [{\"type\": \"Text\"}]}}")]
    public void Anything_else_is_an_invalid_document_naming_the_file(string content)
    {
        var file = Write("Bad.1.json", content);
        var e = Assert.Throws<KgException>(() => DocumentReader.Read(file));
        Assert.Equal("InvalidDocument", e.ErrorId);
        Assert.Contains(file.Path, e.Message);
    }

    [Fact]
    public void Folders_expand_to_their_document_files_and_duplicate_ids_are_errors()
    {
        Write("A.1.json", "{}");
        Write("notes.txt", "x");
        Directory.CreateDirectory(Path.Combine(_folder.Path, "sub"));
        File.WriteAllText(Path.Combine(_folder.Path, "sub", "A.1.json.gz"), "");
        File.WriteAllText(Path.Combine(_folder.Path, "sub", "B.1.jsonl"), "");
        var (top, none) = DocumentFiles.Expand([_folder.Path], recurse: false);
        Assert.Equal(["A.1"], top.Select(f => f.Id));
        Assert.Empty(none);
        var (all, errors) = DocumentFiles.Expand([_folder.Path, Path.Combine(_folder.Path, "A.1.json")], recurse: true);
        Assert.Equal(["A.1", "B.1"], all.Select(f => f.Id));
        Assert.Equal("DuplicateDocumentId", Assert.Single(errors).ErrorId);
        var (_, missing) = DocumentFiles.Expand([Path.Combine(_folder.Path, "nope")], recurse: false);
        Assert.Equal("DocumentNotFound", Assert.Single(missing).ErrorId);
    }
}
