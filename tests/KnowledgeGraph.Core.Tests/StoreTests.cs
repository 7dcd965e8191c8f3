using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("kg-test-").FullName;
    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public class FileObjectStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FileObjectStore _store;
    private static readonly CancellationToken None = CancellationToken.None;

    public FileObjectStoreTests() => _store = new FileObjectStore(_folder.Path);
    public void Dispose() => _folder.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Create_only_writes_succeed_once()
    {
        Assert.True(await _store.TryCreateAsync("a/b.json", B("first"), None));
        Assert.False(await _store.TryCreateAsync("a/b.json", B("second"), None));
        Assert.Equal("first", Encoding.UTF8.GetString((await _store.GetAsync("a/b.json", None))!));
    }

    [Fact]
    public async Task Exactly_one_of_many_concurrent_creators_wins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => _store.TryCreateAsync("race/key", B("writer " + i), None))));
        Assert.Single(results, r => r);
        var winner = Encoding.UTF8.GetString((await _store.GetAsync("race/key", None))!);
        Assert.StartsWith("writer ", winner);
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "race"))); // no temporary files left behind
    }

    [Fact]
    public async Task Put_replaces_and_get_of_a_missing_key_is_null()
    {
        await _store.PutAsync("x", B("1"), None);
        await _store.PutAsync("x", B("2"), None);
        Assert.Equal("2", Encoding.UTF8.GetString((await _store.GetAsync("x", None))!));
        Assert.Null(await _store.GetAsync("missing/key", None));
        await _store.DeleteAsync("x", None);
        await _store.DeleteAsync("x", None);
        Assert.Null(await _store.GetAsync("x", None));
    }

    [Fact]
    public async Task Listing_is_ordinal_and_can_start_after_a_key()
    {
        foreach (var k in new[] { "r/Q1/records/0000000002.json", "r/Q1/records/0000000001.json", "r/Q1/state.json", "r/Q2/records/0000000001.json" })
        {
            await _store.PutAsync(k, B(k), None);
        }
        Assert.Equal(["r/Q1/records/0000000001.json", "r/Q1/records/0000000002.json", "r/Q1/state.json"], await _store.ListAsync("r/Q1/", null, None));
        Assert.Equal(["r/Q1/records/0000000002.json"], await _store.ListAsync("r/Q1/records/", "r/Q1/records/0000000001.json", None));
        Assert.Equal(["Q1", "Q2"], await _store.ListFoldersAsync("r/", None));
        Assert.Empty(await _store.ListAsync("nothing/", null, None));
    }

    [Fact]
    public async Task Keys_cannot_escape_the_store()
    {
        foreach (var key in new[] { "../etc/passwd", "a/../../b", "/etc/passwd", "a//b", "a/./b", "a\\..\\b", "a\nb" })
        {
            Assert.Equal("InvalidObjectKey", (await Assert.ThrowsAsync<KgException>(() => _store.GetAsync(key, None))).ErrorId);
        }
    }
}

public class ModelStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelStore _models;
    private static readonly CancellationToken None = CancellationToken.None;

    public ModelStoreTests() => _models = new ModelStore(new FileObjectStore(_folder.Path), KgEnvironment.Sandbox);
    public void Dispose() => _folder.Dispose();

    internal static ModelPackage Package(string content = "{}", string env = "sandbox") => new("Q5", "abcd2345",
        new ModelMetadata { AwsEnv = env, ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
        [new ModelPackageFile("model.json", Encoding.UTF8.GetBytes(content)), new ModelPackageFile("run.json", Encoding.UTF8.GetBytes("{\"run\":1}"))]);

    [Fact]
    public async Task Versions_count_up_from_v0_and_files_round_trip()
    {
        var v0 = await _models.AddVersionAsync(Package("{\"a\":1}"), null, None);
        var v1 = await _models.AddVersionAsync(Package("{\"a\":2}"), null, None);
        Assert.Equal("v0", v0.Manifest.Version.ToString());
        Assert.Equal("v1", v1.Manifest.Version.ToString());
        Assert.Equal("{\"a\":2}", Encoding.UTF8.GetString(await _models.ReadFileAsync(v1, "model.json", None)));
        var again = await _models.GetAsync("Q5", "abcd2345", ModelVersion.Parse("v1"), None);
        Assert.Equal(v1.ManifestSha256, again!.ManifestSha256);
        Assert.Equal([ModelVersion.Parse("v0"), ModelVersion.Parse("v1")], await _models.ListVersionNumbersAsync("Q5", "abcd2345", None));
    }

    [Fact]
    public async Task Concurrent_trainings_of_one_classifier_get_different_versions()
    {
        var stored = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => _models.AddVersionAsync(Package($"{{\"i\":{i}}}"), null, None))));
        Assert.Equal(Enumerable.Range(0, 12), stored.Select(s => s.Manifest.Version.Number).Order());
        foreach (var s in stored)
        {
            var content = Encoding.UTF8.GetString(await _models.ReadFileAsync(s, "model.json", None));
            Assert.Equal(s.Manifest.Files[0].Sha256, ModelManifest.Sha256Hex(Encoding.UTF8.GetBytes(content)));
        }
    }

    [Fact]
    public async Task A_tampered_blob_fails_its_checksum()
    {
        var v = await _models.AddVersionAsync(Package("{\"genuine\":true}"), null, None);
        var blob = Path.Combine(_folder.Path, ModelStore.BlobKey(v.Manifest.File("model.json").Sha256));
        File.WriteAllText(blob, "{\"genuine\":false}");
        var e = await Assert.ThrowsAsync<KgException>(() => _models.ReadFileAsync(v, "model.json", None));
        Assert.Equal("ChecksumMismatch", e.ErrorId);
        Assert.Contains(v.Manifest.File("model.json").Sha256, e.Message);
    }

    [Fact]
    public async Task A_corrupted_manifest_is_a_clear_error()
    {
        await _models.AddVersionAsync(Package(), null, None);
        File.WriteAllText(Path.Combine(_folder.Path, ModelStore.ManifestKey("Q5", "abcd2345", new ModelVersion(0))), "{ not json");
        var e = await Assert.ThrowsAsync<KgException>(() => _models.GetAsync("Q5", "abcd2345", new ModelVersion(0), None));
        Assert.Equal("CorruptManifest", e.ErrorId);
    }

    [Fact]
    public async Task Missing_classifiers_and_versions_name_what_exists()
    {
        var e = await Assert.ThrowsAsync<KgException>(() => _models.GetRequiredAsync("Q5", "abcd2345", null, None));
        Assert.Equal("ClassifierNotFound", e.ErrorId);
        await _models.AddVersionAsync(Package(), null, None);
        var e2 = await Assert.ThrowsAsync<KgException>(() => _models.GetRequiredAsync("Q5", "abcd2345", new ModelVersion(7), None));
        Assert.Equal("VersionNotFound", e2.ErrorId);
        Assert.Contains("v0", e2.Message);
        Assert.Equal(0, (await _models.GetRequiredAsync("Q5", "abcd2345", null, None)).Manifest.Version.Number);
    }
}
