using KnowledgeGraph.Environments;
using Xunit;

namespace KnowledgeGraph.Tests;

public class EnvironmentTests
{
    [Theory]
    [InlineData("labs", KgEnvironment.Labs)]
    [InlineData("sandbox", KgEnvironment.Sandbox)]
    [InlineData("staging", KgEnvironment.Staging)]
    [InlineData("dev", KgEnvironment.Staging)]
    [InlineData("DEV", KgEnvironment.Staging)]
    [InlineData("production", KgEnvironment.Production)]
    [InlineData("prod", KgEnvironment.Production)]
    [InlineData("Prod", KgEnvironment.Production)]
    [InlineData("PRODUCTION", KgEnvironment.Production)]
    public void Every_alias_parses_in_any_case(string text, KgEnvironment expected) =>
        Assert.Equal(expected, EnvironmentNames.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("qa")]
    [InlineData("produc")]
    [InlineData(null)]
    public void Unknown_environments_name_the_value_and_the_valid_ones(string? text)
    {
        var e = Assert.Throws<KgException>(() => EnvironmentNames.Parse(text));
        Assert.Equal("InvalidEnvironment", e.ErrorId);
        Assert.Contains("labs, sandbox, staging, production", e.Message);
        Assert.Contains($"'{text ?? "<null>"}'", e.Message);
    }

    [Fact]
    public void Names_and_values_differ_only_for_production()
    {
        Assert.Equal(["labs", "sandbox", "staging", "production"], EnvironmentNames.All.Select(e => e.Name()));
        Assert.Equal(["labs", "sandbox", "staging", "prod"], EnvironmentNames.All.Select(e => e.Value()));
    }

    [Fact]
    public void The_usage_table_decides_each_spelling()
    {
        Assert.Equal("prod", KgEnvironment.Production.For(EnvironmentUse.BucketName));
        Assert.Equal("production", KgEnvironment.Production.For(EnvironmentUse.SpecFile));
        Assert.Equal("production", KgEnvironment.Production.For(EnvironmentUse.ModelMetadata));
        Assert.Equal("prod", KgEnvironment.Production.For(EnvironmentUse.AwsProfile));
        Assert.Equal("PRODUCTION", KgEnvironment.Production.For(EnvironmentUse.EnvironmentVariable));
        Assert.All(Enum.GetValues<EnvironmentUse>(), use => Assert.True(EnvironmentNames.Usage.ContainsKey(use)));
    }

    [Fact]
    public void Legacy_prod_metadata_reads_as_production() =>
        Assert.Equal(KgEnvironment.Production, EnvironmentNames.Parse("prod"));
}
