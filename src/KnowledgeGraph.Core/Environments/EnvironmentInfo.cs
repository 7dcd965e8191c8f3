using KnowledgeGraph.Configuration;

namespace KnowledgeGraph.Environments;

/// <summary>What <c>Get-KgEnvironment</c> shows for one environment.</summary>
public sealed record EnvironmentInfo
{
    /// <summary>The environment itself, so that the object pipes into every -Environment parameter by property name.</summary>
    public required KgEnvironment Environment { get; init; }
    public required string Name { get; init; }
    public required string Value { get; init; }
    public required IReadOnlyList<string> Aliases { get; init; }
    /// <summary>The spec file name under <c>classifier_specs/v2</c>.</summary>
    public required string SpecFile { get; init; }
    public required string Store { get; init; }
    public required string StoreKind { get; init; }
    public required string StoreSource { get; init; }
    public string? ProfileName { get; init; }
    public string? ProfileSource { get; init; }
    public string? Region { get; init; }
    public string? EndpointUrl { get; init; }
    public bool ForcePathStyle { get; init; }

    public override string ToString() => $"{Name} ({Store})";

    public static EnvironmentInfo From(EnvironmentConfiguration c) => new()
    {
        Environment = c.Environment,
        Name = c.Environment.Name(),
        Value = c.Environment.Value(),
        Aliases = Text.ValueList.Of(EnvironmentNames.AliasesOf(c.Environment)),
        SpecFile = c.Environment.For(EnvironmentUse.SpecFile) + ".yaml",
        Store = c.Store.ToString(),
        StoreKind = c.Store.Kind.ToString(),
        StoreSource = c.StoreSource,
        ProfileName = c.ProfileName,
        ProfileSource = c.ProfileSource,
        Region = c.Region,
        EndpointUrl = c.EndpointUrl is null ? null : Text.Redact.Url(c.EndpointUrl),
        ForcePathStyle = c.ForcePathStyle,
    };
}
