using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Registry;

/// <summary>One registry record as Get-KgClassifierHistory shows it: when, who (user and machine), what changed.</summary>
public sealed record RegistryHistoryEntry
{
    public required string WikibaseId { get; init; }
    public required KgEnvironment Environment { get; init; }
    public required long Sequence { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string User { get; init; }
    public required string Machine { get; init; }
    public required string Action { get; init; }
    public required ModelVersion RegistryVersion { get; init; }
    public required string ClassifierId { get; init; }
    public ModelVersion? ModelVersion { get; init; }
    public string? ClassifiersProfile { get; init; }
    public required string Change { get; init; }

    public override string ToString() => $"{WikibaseId} #{Sequence} {At:u} {User}@{Machine}: {Change}";

    public static RegistryHistoryEntry From(RegistryRecord r)
    {
        var change = r.Action switch
        {
            RegistryAction.Promote => $"promoted {r.ClassifierId} {r.ModelVersion} as {r.Profile}" + (r.Supersedes is { } s ? $", replacing registry {s}" : ""),
            RegistryAction.Demote => $"demoted {r.ClassifierId}",
            _ => r.Change?.ToString() ?? "",
        };
        return new RegistryHistoryEntry
        {
            WikibaseId = r.WikibaseId,
            Environment = EnvironmentNames.Parse(r.Environment),
            Sequence = r.Sequence,
            At = r.At,
            User = r.By.User,
            Machine = r.By.Machine,
            Action = r.Action.ToString(),
            RegistryVersion = r.RegistryVersion,
            ClassifierId = r.ClassifierId,
            ModelVersion = r.ModelVersion,
            ClassifiersProfile = r.Profile,
            Change = change,
        };
    }
}
