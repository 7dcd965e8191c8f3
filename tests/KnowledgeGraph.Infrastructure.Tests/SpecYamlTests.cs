using System.Text;
using KnowledgeGraph.Infrastructure.Yaml;
using KnowledgeGraph.Specs;
using Xunit;

namespace KnowledgeGraph.Tests;

public class SpecYamlTests
{
    private static readonly YamlClassifierSpecParser Parser = new();

    public static TheoryData<string> RealSpecFiles => new() { "labs", "sandbox", "staging", "production" };

    [Theory]
    [MemberData(nameof(RealSpecFiles))]
    public void Real_spec_files_round_trip_byte_for_byte(string environment)
    {
        var path = SharedData.PathOf("classifier-specs", "v2", environment + ".yaml");
        var bytes = File.ReadAllBytes(path);
        var specs = Parser.Parse(Encoding.UTF8.GetString(bytes), path);
        var written = Encoding.UTF8.GetBytes(ClassifierSpecYaml.Format(specs));
        Assert.Equal(bytes, written);
    }

    [Theory]
    [InlineData("labs", 28)]
    [InlineData("sandbox", 29)]
    [InlineData("staging", 88)]
    [InlineData("production", 106)]
    public void Real_spec_files_have_the_documented_entry_counts(string environment, int entries)
    {
        var path = SharedData.PathOf("classifier-specs", "v2", environment + ".yaml");
        Assert.Equal(entries, Parser.Parse(File.ReadAllText(path), path).Count);
    }

    [Fact]
    public void Real_spec_files_are_in_canonical_order()
    {
        foreach (var env in new[] { "labs", "sandbox", "staging", "production" })
        {
            var path = SharedData.PathOf("classifier-specs", "v2", env + ".yaml");
            var specs = Parser.Parse(File.ReadAllText(path), path);
            Assert.DoesNotContain(ClassifierSpecRules.Check(specs, path), v => v.Rule == "EntryOrder");
        }
    }

    [Fact]
    public void Staging_reports_Q221_listed_twice_as_primary()
    {
        var path = SharedData.PathOf("classifier-specs", "v2", "staging.yaml");
        var specs = Parser.Parse(File.ReadAllText(path), path);
        var errors = ClassifierSpecRules.Check(specs, path).Where(v => v.Severity == ViolationSeverity.Error).ToList();
        // Each broken rule once, at the entry that breaks it, naming both entries.
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("Q221", e.WikibaseId));
        Assert.Single(errors, e => e.Rule == "ProfileMultiplicity");
        Assert.Single(errors, e => e.Rule == "DuplicateClassifierId");
        Assert.All(errors, e => Assert.Matches("entry [0-9]+ .*entry [0-9]+", e.Message));
        Assert.All(errors, e => Assert.NotNull(e.Line));
        var refused = Assert.Throws<KgException>(() => ClassifierSpecRules.EnsureValid(specs, path));
        Assert.Equal("InvalidSpec", refused.ErrorId);
        Assert.Contains("Q221", refused.Message);
    }

    [Fact]
    public void Production_breaks_no_rule()
    {
        var path = SharedData.PathOf("classifier-specs", "v2", "production.yaml");
        Assert.Empty(ClassifierSpecRules.Check(Parser.Parse(File.ReadAllText(path), path), path));
    }

    [Fact]
    public void Labs_and_sandbox_only_warn_about_missing_profiles()
    {
        foreach (var env in new[] { "labs", "sandbox" })
        {
            var path = SharedData.PathOf("classifier-specs", "v2", env + ".yaml");
            var violations = ClassifierSpecRules.Check(Parser.Parse(File.ReadAllText(path), path), path);
            Assert.All(violations, v => Assert.Equal(("MissingProfile", ViolationSeverity.Warning), (v.Rule, v.Severity)));
        }
    }

    [Theory]
    [InlineData("--- []\n", 0)]
    [InlineData("", 0)]
    [InlineData("[]", 0)]
    [InlineData("# only a comment\n", 0)]
    [InlineData("- {wikibase_id: Q5, classifier_id: abcd2345, wandb_registry_version: v1, dont_run_on: [sabin, gef]}\n", 1)]
    public void Any_yaml_style_is_read(string yaml, int count)
    {
        var specs = Parser.Parse(yaml, "inline");
        Assert.Equal(count, specs.Count);
        if (count == 1)
        {
            Assert.Equal(["sabin", "gef"], specs[0].DontRunOn);
        }
    }

    [Theory]
    [InlineData("- wikibase_id: Q5\n  classifier_id: [a\n", "not valid YAML")]
    [InlineData("wikibase_id: Q5\n", "must be a list")]
    [InlineData("- just a string\n", "must be a mapping")]
    [InlineData("- wikibase_id: [Q5]\n", "'wikibase_id' must be a single value")]
    [InlineData("- wikibase_id: Q5\n  compute_environment: yes\n", "compute_environment")]
    [InlineData("- wikibase_id: Q5\n  compute_environment:\n    gpu: maybe\n", "gpu")]
    [InlineData("- wikibase_id: Q5\n  dont_run_on: sabin\n", "dont_run_on")]
    [InlineData("--- []\n--- []\n", "more than one")]
    public void Malformed_files_are_a_clear_error(string yaml, string expected)
    {
        var e = Assert.Throws<KgException>(() => Parser.Parse(yaml, "bad.yaml"));
        Assert.Equal("InvalidSpecYaml", e.ErrorId);
        Assert.Contains("bad.yaml", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Values_yaml_would_misread_are_quoted_and_read_back()
    {
        var spec = new ClassifierSpec { WikibaseId = "Q5", ClassifierId = "23456789", RegistryVersion = "v1", ClassifiersProfile = "primary" };
        var text = ClassifierSpecYaml.Format([spec]);
        Assert.Contains("classifier_id: '23456789'", text);
        Assert.Equal("23456789", Parser.Parse(text, "q").Single().ClassifierId);
        Assert.Equal("yes", ClassifierSpecYaml.Scalar("yes") is "'yes'" ? "yes" : "no");
        Assert.Equal("abcd2345", ClassifierSpecYaml.Scalar("abcd2345"));
    }

    [Fact]
    public void Unknown_sources_and_profiles_are_errors()
    {
        var specs = new[]
        {
            new ClassifierSpec { WikibaseId = "Q5", ClassifierId = "abcd2345", RegistryVersion = "v1", ClassifiersProfile = "gold", DontRunOn = ["sabin", "nowhere"] },
            new ClassifierSpec { WikibaseId = "Q0", ClassifierId = "abc", RegistryVersion = "latest", ClassifiersProfile = "primary" },
        };
        var rules = ClassifierSpecRules.Check(specs, "f").Select(v => v.Rule).ToHashSet();
        Assert.Superset(new HashSet<string> { "UnknownProfile", "UnknownSource", "InvalidWikibaseId", "InvalidClassifierId", "InvalidRegistryVersion" }, rules);
    }

    [Fact]
    public void Retired_may_appear_three_times_but_not_four()
    {
        ClassifierSpec Retired(string id, int v) => new() { WikibaseId = "Q9", ClassifierId = id, RegistryVersion = "v" + v, ClassifiersProfile = "retired" };
        var three = new[] { Retired("aaaaaaaa", 1), Retired("bbbbbbbb", 2), Retired("cccccccc", 3) };
        Assert.Empty(ClassifierSpecRules.Check(three, "f"));
        var four = three.Append(Retired("dddddddd", 4)).ToArray();
        var broken = Assert.Single(ClassifierSpecRules.Check(four, "f"), v => v.Rule == "ProfileMultiplicity");
        Assert.Equal(4, broken.Entry);
        Assert.Contains("4 retired", broken.Message);
    }

    [Fact]
    public void Sorting_is_numeric_then_by_classifier_then_registry_version()
    {
        ClassifierSpec S(string q, string c, string v) => new() { WikibaseId = q, ClassifierId = c, RegistryVersion = v };
        var sorted = ClassifierSpecRules.Sort([S("Q10", "aaaaaaaa", "v1"), S("Q2", "bbbbbbbb", "v10"), S("Q2", "bbbbbbbb", "v9"), S("Q2", "aaaaaaaa", "v1")]);
        Assert.Equal(["Q2:aaaaaaaa:v1", "Q2:bbbbbbbb:v9", "Q2:bbbbbbbb:v10", "Q10:aaaaaaaa:v1"], sorted.Select(s => s.ToString()));
    }
}

/// <summary>Hostile YAML (what held in the attack, kept as tests, plus deep nesting, which crashed the process).</summary>
public class HostileYamlTests
{
    private static readonly YamlClassifierSpecParser Parser = new();

    private static void RefusedQuickly(string yaml, string expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<KgException>(() => Parser.Parse(yaml, "hostile.yaml"));
        Assert.Equal("InvalidSpecYaml", e.ErrorId);
        Assert.Contains(expected, e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Billion_laughs_is_refused_quickly()
    {
        var yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 0; i < 8; i++)
        {
            var prev = (char)('a' + i);
            yaml.Append((char)('b' + i)).Append(": &").Append((char)('b' + i)).Append(" [").AppendJoin(", ", Enumerable.Repeat("*" + prev, 9)).Append("]\n");
        }
        RefusedQuickly(yaml.ToString(), "must be a list");
        RefusedQuickly("- &a [x, x, x, x]\n- &b [*a, *a, *a, *a]\n- &c [*b, *b, *b, *b]\n- [*c, *c, *c, *c]\n", "must be a mapping");
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_can_overflow_the_stack()
    {
        RefusedQuickly(new string('[', 100_000) + new string(']', 100_000), "deeper than 32");
        RefusedQuickly(string.Concat(Enumerable.Repeat("- ", 1000)) + "x\n", "deeper than 32");
    }

    [Theory]
    [InlineData("- wikibase_id: !!python/object/apply:os.system ['echo hi']\n  classifier_id: abcd2345\n  wandb_registry_version: v1\n")]
    [InlineData("- !!python/object:__main__.X\n  wikibase_id: Q5\n")]
    [InlineData("- wikibase_id: !custom Q5\n")]
    public void Tags_that_ask_a_loader_to_run_code_are_refused(string yaml) => RefusedQuickly(yaml, "is not allowed");

    [Fact]
    public void Plain_core_tags_are_still_read() =>
        Assert.Equal("Q5", Parser.Parse("- wikibase_id: !!str Q5\n  classifier_id: abcd2345\n  wandb_registry_version: v1\n", "ok.yaml").Single().WikibaseId);

    [Fact]
    public void One_entry_repeated_through_an_alias_is_read_and_checked_in_bounded_memory()
    {
        var yaml = new StringBuilder("- &e {wikibase_id: Q5, classifier_id: abcd2345, classifiers_profile: primary, wandb_registry_version: v1}\n");
        for (var i = 0; i < 10_000; i++)
        {
            yaml.Append("- *e\n");
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var specs = Parser.Parse(yaml.ToString(), "anchors.yaml");
        var violations = ClassifierSpecRules.Check(specs, "anchors.yaml");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_001, specs.Count);
        Assert.Equal(2, violations.Count);
        Assert.True(allocated < 300_000_000, $"{allocated:N0} bytes");
    }
}
