using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell;
using KnowledgeGraph.PowerShell.Arguments;
using Xunit;

namespace KnowledgeGraph.Tests;

public class CmdletPlumbingTests
{
    [Fact]
    public void Every_error_kind_maps_to_a_specific_category()
    {
        foreach (var kind in Enum.GetValues<KgErrorKind>())
        {
            Assert.NotEqual(ErrorCategory.NotSpecified, KgCmdlet.CategoryOf(kind));
        }
    }

    [Fact]
    public void Error_records_carry_the_error_id_the_category_and_the_target()
    {
        var record = KgCmdlet.ToErrorRecord(new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound, "There is no concept Q5.", "Q5"));
        Assert.Equal("ConceptNotFound", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
        Assert.Equal("Q5", record.TargetObject);
    }

    [Theory]
    [InlineData("prod", KgEnvironment.Production)]
    [InlineData("DEV", KgEnvironment.Staging)]
    [InlineData("Sandbox", KgEnvironment.Sandbox)]
    public void The_environment_transformation_accepts_every_spelling(string text, KgEnvironment expected) =>
        Assert.Equal(expected, new KgEnvironmentTransformationAttribute().Transform(null!, text));

    [Fact]
    public void The_environment_transformation_handles_arrays_and_leaves_other_objects_to_the_binder()
    {
        var t = new KgEnvironmentTransformationAttribute();
        Assert.Equal(new[] { KgEnvironment.Labs, KgEnvironment.Production }, t.Transform(null!, new object[] { "labs", new PSObject("prod") }));
        var other = new PSObject();
        Assert.Same(other, t.Transform(null!, other));
        var e = Assert.Throws<ArgumentTransformationMetadataException>(() => t.Transform(null!, "qa"));
        Assert.Contains("'qa'", e.Message);
    }

    [Fact]
    public void Wikibase_id_validation_fails_binding_and_names_the_value()
    {
        using var rs = new HostedRunspace();
        var (output, errors) = rs.Run("Get-KgConcept -WikibaseId Q01");
        Assert.Empty(output);
        Assert.StartsWith("ParameterArgumentValidationError", errors.Single().FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("'Q01'", errors.Single().Exception.Message);
    }

    [Fact]
    public void A_hosted_runspace_binds_environments_by_property_name()
    {
        using var rs = new HostedRunspace(new Dictionary<string, string> { ["KG_HOME"] = Path.Combine(Path.GetTempPath(), "kg-ps-tests") });
        var (output, errors) = rs.Run("[pscustomobject]@{ Environment = 'prod' }, 'dev' | Get-KgEnvironment");
        Assert.Empty(errors);
        Assert.Equal(new[] { "production", "staging" }, output.Select(o => ((EnvironmentInfo)o.BaseObject).Name));
    }

    [Fact]
    public void A_hosted_runspace_reports_concepts_that_are_missing_without_stopping()
    {
        var folder = Directory.CreateTempSubdirectory("kg-concepts-").FullName;
        File.WriteAllText(Path.Combine(folder, "Q5.json"), """{"preferred_label": "five", "wikibase_id": "Q5"}""");
        using var rs = new HostedRunspace();
        var (output, errors) = rs.Run($"Get-KgConcept Q6, Q5 -Path '{folder}'");
        Assert.Equal("five", ((Concepts.Concept)output.Single().BaseObject).PreferredLabel);
        Assert.Equal("ConceptNotFound,KnowledgeGraph.PowerShell.Commands.GetKgConceptCommand", errors.Single().FullyQualifiedErrorId);
    }

    [Fact]
    public void The_spec_parser_is_reached_through_the_dependency_loader()
    {
        var specs = KgInfrastructureAccess.Parse("--- []\n");
        Assert.Empty(specs);
    }
}

internal static class KgInfrastructureAccess
{
    public static IReadOnlyList<Specs.ClassifierSpec> Parse(string yaml) =>
        KnowledgeGraph.PowerShell.Loading.Dependencies.Infrastructure.SpecParser.Parse(yaml, "inline");
}
