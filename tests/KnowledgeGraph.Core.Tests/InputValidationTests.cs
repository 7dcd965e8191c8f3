using System.Diagnostics;
using System.Text;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Input the attack on the module got through (issue 9, section 6): each is now a clear error naming the value
/// and what would be valid, or a documented normalisation.</summary>
public class InputValidationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("file://", "root of a file system")]
    [InlineData("file:///", "root of a file system")]
    [InlineData("/", "root of a file system")]
    [InlineData("file://host/share", "names the host 'host'")]
    [InlineData("file:relative", "must be absolute")]
    [InlineData("s3://bucket-a/prefix?x=1", "no query")]
    [InlineData("/tmp/kg\nstore", "control character")]
    [InlineData("/dev/null", "is a file, not a folder")]
    [InlineData("s3://bucket-a/..", "'..' part")]
    [InlineData("s3://bucket-a/a//b", "empty")]
    [InlineData("s3://bucket-a/{bogus}", "placeholder")]
    [InlineData("ftp://x/y", "Only s3:// and file://")]
    public void Store_locations_that_are_not_a_folder_or_bucket_are_refused(string text, string why)
    {
        var e = Assert.Throws<KgException>(() => StoreLocation.Parse(text));
        Assert.Equal("InvalidStore", e.ErrorId);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Store_locations_normalise_the_home_folder_and_relative_paths()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, "kg", "store"), StoreLocation.Parse("~/kg/store").LocalPath);
        using (KgPaths.UseWorkingDirectory(_folder.Path))
        {
            Assert.Equal(Path.Combine(_folder.Path, "stores", "labs"), StoreLocation.Parse("stores/labs").LocalPath);
        }
        Assert.Equal(Path.Combine(_folder.Path, "x"), StoreLocation.Parse(new Uri(Path.Combine(_folder.Path, "x")).AbsoluteUri).LocalPath);
        Assert.Equal("s3://bucket-a/p/q", StoreLocation.Parse("s3://bucket-a/p/q/").ToString());
    }

    [Fact]
    public void Relative_paths_in_environment_variables_resolve_against_the_current_location()
    {
        var before = Environment.GetEnvironmentVariable(KgPaths.ConceptPathVariable);
        Environment.SetEnvironmentVariable(KgPaths.ConceptPathVariable, "./concepts");
        try
        {
            using (KgPaths.UseWorkingDirectory(_folder.Path))
            {
                Assert.Equal(Path.Combine(_folder.Path, "concepts"), ConceptSource.Resolve(null).Path);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(KgPaths.ConceptPathVariable, before);
        }
    }

    [Fact]
    public void The_spec_folder_is_found_from_the_current_location_and_never_in_the_modules_checkout()
    {
        var repo = Directory.CreateDirectory(Path.Combine(_folder.Path, "repo")).FullName;
        Directory.CreateDirectory(Path.Combine(repo, "classifier_specs", "v2"));
        var module = Directory.CreateDirectory(Path.Combine(repo, "out", "KnowledgeGraph")).FullName;
        var deep = Directory.CreateDirectory(Path.Combine(repo, "src", "a")).FullName;
        Assert.Equal(Path.Combine(repo, "classifier_specs"), SpecFolder.Resolve(null, deep, moduleFolder: Path.Combine(_folder.Path, "elsewhere")));
        var e = Assert.Throws<KgException>(() => SpecFolder.Resolve(null, deep, moduleFolder: module));
        Assert.Equal("SpecFolderNotFound", e.ErrorId);
        Assert.Contains("the module itself is loaded from", e.Message);
        Assert.Equal(Path.Combine(repo, "classifier_specs"), SpecFolder.Resolve("../../classifier_specs", deep, module)); // named: allowed
        var file = Path.Combine(repo, "classifier_specs", "v2", "labs.yaml");
        File.WriteAllText(file, "--- []\n");
        Assert.Contains("is a file", Assert.Throws<KgException>(() => SpecFolder.Resolve(file, deep)).Message);
    }

    [Theory]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": [{"text": "abc", "spans": [{"start_index": 1.5, "end_index": 2}]}]}""", "whole numbers")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": [{"text": "abc", "spans": [{"start_index": 0, "end_index": 1e20}]}]}""", "whole numbers")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "alternative_labels": "forest"}""", "'alternative_labels' must be a list of strings")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": {}}""", "'labelled_passages' must be a list")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": 5}""", "'wikibase_id' must be a string")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "classifier_ids": [["5", "abcd2345"]]}""", "'5' is not a statement rank")]
    [InlineData("""{"preferred_label": "x", "wikibase_id": "Q5", "wikibase_revision": "12"}""", "'wikibase_revision' must be a whole number")]
    public void Concept_json_that_was_silently_accepted_is_an_error_naming_the_file(string json, string why)
    {
        var e = Assert.Throws<KgException>(() => ConceptJson.ReadConcept(json, "Q5.json"));
        Assert.Equal("InvalidConceptData", e.ErrorId);
        Assert.Contains("Q5.json", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Duplicate_keys_and_invalid_utf8_are_errors()
    {
        Assert.Equal("InvalidJson", Assert.Throws<KgException>(() => ConceptJson.ReadConcept("""{"preferred_label": "x", "preferred_label": "y"}""", "d.json")).ErrorId);
        var file = Path.Combine(_folder.Path, "Q5.json");
        File.WriteAllBytes(file, [.. "{\"preferred_label\": \""u8, 0xC3, 0x28, .. "\"}"u8]);
        var e = Assert.Throws<KgException>(() => ConceptSource.ReadFile(file));
        Assert.Equal("InvalidEncoding", e.ErrorId);
        Assert.Contains("offset 21", e.Message);
    }

    [Fact]
    public void A_pipe_named_like_a_concept_file_is_refused_at_once()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("FIFOs are a Unix file type.");
        }
        var fifo = Path.Combine(_folder.Path, "Q5.json");
        using (var mk = Process.Start(new ProcessStartInfo("mkfifo", [fifo]))!)
        {
            mk.WaitForExit();
        }
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<KgException>(() => ConceptSource.Resolve(_folder.Path).Get(Identifiers.WikibaseId.Parse("Q5")));
        Assert.Equal("NotARegularFile", e.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal("PathIsFolder", Assert.Throws<KgException>(() => PassageFile.Read(_folder.Path)).ErrorId);
    }

    [Fact]
    public void A_concept_file_without_an_id_cannot_stand_for_one()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "Q5.json"), """{"preferred_label": "five"}""");
        var e = Assert.Throws<KgException>(() => ConceptSource.Resolve(_folder.Path).Get(Identifiers.WikibaseId.Parse("Q5")));
        Assert.Equal("InvalidConceptData", e.ErrorId);
        Assert.Contains("has no wikibase_id", e.Message);
    }

    [Fact]
    public void Passage_files_stream_in_order_and_errors_name_the_line()
    {
        var file = Path.Combine(_folder.Path, "in.jsonl");
        File.WriteAllText(file, "{\"text\": \"one\"}\n\n{\"text\": \"two\"}\n{\"text\": \"three\", \"spans\": [{\"start_index\": 0, \"end_index\": 2.5}]}\n");
        using var items = PassageFile.Stream(file).GetEnumerator();
        Assert.True(items.MoveNext());
        Assert.Equal("one", items.Current.Text); // yielded before the bad line is read
        Assert.True(items.MoveNext());
        Assert.Equal("two", items.Current.Text);
        var e = Assert.Throws<KgException>(() => items.MoveNext());
        Assert.Contains("in.jsonl, line 4", e.Message);
        var array = Path.Combine(_folder.Path, "in.json");
        File.WriteAllText(array, """["{\"text\": \"legacy\"}", {"text": "object"}]""");
        Assert.Equal(["legacy", "object"], PassageFile.Stream(array).Select(p => p.Text));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"defaults": {"store": 5}}""")]
    [InlineData("""{"defaults": {}, "defaults": {}}""")]
    [InlineData("""{"environments": {"qa": {}}}""")]
    public void A_settings_file_that_is_not_the_module_s_is_a_clear_error(string json)
    {
        var file = Path.Combine(_folder.Path, "settings.json");
        File.WriteAllText(file, json);
        var e = Assert.Throws<KgException>(() => KgSettings.Load(file));
        Assert.Equal("InvalidSettings", e.ErrorId);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Settings_round_trip_through_their_json()
    {
        var file = Path.Combine(_folder.Path, "settings.json");
        var settings = new KgSettings { Defaults = new EnvironmentSettings { Store = "s3://cpr-{value}-models", Region = "eu-west-1" } }
            .With(KgEnvironment.Production, new EnvironmentSettings { ProfileName = "prod", ForcePathStyle = true });
        settings.Save(file);
        var text = File.ReadAllText(file);
        Assert.Contains("\"profileName\": \"prod\"", text);
        var back = KgSettings.Load(file);
        Assert.Equal(settings.Defaults, back.Defaults);
        Assert.Equal(settings.For(KgEnvironment.Production), back.For(KgEnvironment.Production));
    }

    [Theory]
    [InlineData("http://user:PASS@127.0.0.1:7480", "credentials in it")]
    [InlineData("localhost:7480", "not an endpoint URL")]
    public void Endpoints_are_urls_without_credentials_and_messages_never_show_a_password(string endpoint, string why)
    {
        var e = Assert.Throws<KgException>(() => EnvironmentConfiguration.CheckEndpoint(endpoint, "-EndpointUrl"));
        Assert.Equal("InvalidEndpointUrl", e.ErrorId);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain("PASS", e.Message);
        Assert.Equal("http://***@h:1/x", Redact.Url("http://user:PASS@h:1/x"));
        Assert.Equal("see http://***@h and https://***@k", Redact.Url("see http://a:b@h and https://c@k"));
    }

    [Fact]
    public void A_file_spec_update_removes_temporary_files_of_killed_writers_only()
    {
        var spec = Path.Combine(_folder.Path, "sandbox.yaml");
        using var dead = Process.Start(new ProcessStartInfo("true"))!;
        dead.WaitForExit();
        var stale = Path.Combine(_folder.Path, $".sandbox.yaml.{dead.Id}.{Guid.NewGuid():N}.tmp");
        var live = Path.Combine(_folder.Path, $".sandbox.yaml.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half");
        File.WriteAllText(live, "in progress");
        FileText.WriteAtomic(spec, "--- []\n", "spec file");
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.Equal("--- []\n", File.ReadAllText(spec));
    }

    [Fact]
    public void A_spec_file_lock_waits_for_its_holder_and_takes_over_from_a_dead_one()
    {
        var spec = Path.Combine(_folder.Path, "v2", "labs.yaml");
        using (SpecFileLock.Acquire(spec, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            var e = Assert.Throws<KgException>(() => SpecFileLock.Acquire(spec, TimeSpan.FromMilliseconds(200), CancellationToken.None));
            Assert.Equal("SpecFileLocked", e.ErrorId);
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
        }
        using var dead = Process.Start(new ProcessStartInfo("true"))!;
        dead.WaitForExit();
        File.WriteAllText(SpecFileLock.LockPathOf(spec), $"{dead.Id} {Environment.MachineName} 2026-01-01T00:00:00Z");
        using var taken = SpecFileLock.Acquire(spec, TimeSpan.FromMilliseconds(200), CancellationToken.None);
    }

    [Fact]
    public void A_spec_repeating_one_entry_is_reported_once_in_bounded_memory()
    {
        var entry = new ClassifierSpec { WikibaseId = "Q5", ClassifierId = "abcd2345", ClassifiersProfile = "primary", RegistryVersion = "v1" };
        var specs = Enumerable.Repeat(entry, 20_000).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var violations = ClassifierSpecRules.Check(specs, "f.yaml");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Single(violations, v => v.Rule == "DuplicateClassifierId");
        Assert.Single(violations, v => v.Rule == "ProfileMultiplicity");
        Assert.Contains("listed 20000 times", violations.Single(v => v.Rule == "DuplicateClassifierId").Message);
        Assert.True(allocated < 200_000_000, $"checking 20,000 entries allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Output_lists_have_a_text_form_that_is_their_content()
    {
        Assert.Equal("cclw; sabin", ValueList.Of(["cclw", "sabin"]).ToString());
        var concept = new Concept("forest", alternativeLabels: ["woods", "timber"], wikibaseId: "Q5");
        Assert.Equal("timber; woods", concept.AlternativeLabels.ToString());
    }
}
