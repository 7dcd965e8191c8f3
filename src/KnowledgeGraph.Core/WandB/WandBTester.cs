using KnowledgeGraph.Configuration;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.WandB;

/// <summary>What Test-KgEnvironment found about an environment's W&amp;B side.</summary>
public sealed record WandBTestResult
{
    public required string BaseUrl { get; init; }
    public required string Entity { get; init; }
    /// <summary>Where the API key comes from (never the key).</summary>
    public string? KeySource { get; init; }
    /// <summary>The user the key belongs to (the viewer query).</summary>
    public string? User { get; init; }
    /// <summary>Whether the user can use the entity's projects (runs and model artifacts: -Track).</summary>
    public bool ProjectAccess { get; init; }
    /// <summary>The user's roles in the model registry (their own and their teams').</summary>
    public IReadOnlyList<string> RegistryRoles { get; init; } = ValueList<string>.Empty;
    /// <summary>Whether the user may link into the registry (role Member or Admin): promotion needs it.</summary>
    public bool CanLink { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = ValueList<string>.Empty;
    public IReadOnlyList<string> ErrorIds { get; init; } = ValueList<string>.Empty;

    public override string ToString() => $"{User ?? "(no user)"} @ {Entity} ({BaseUrl}): projects {(ProjectAccess ? "yes" : "no")}, registry {string.Join("/", RegistryRoles.DefaultIfEmpty("none"))}";
}

/// <summary>Checks the W&amp;B side of an environment step by step, as the original's guide troubleshoots its 403s: is
/// there a key, whose is it (the viewer query), may it use the team's projects (what -Track needs), and does it have the
/// registry role that linking needs (Member or Admin; project access is not registry access).</summary>
public static class WandBTester
{
    private static readonly string[] LinkingRoles = ["admin", "member"];

    public static async Task<WandBTestResult> TestAsync(EnvironmentConfiguration configuration, Action<string>? trace, CancellationToken ct,
        WandBApiKey? givenKey = null)
    {
        var entity = configuration.WandBEntity!;
        var result = new WandBTestResult { BaseUrl = Redact.Url(configuration.WandBBaseUrl), Entity = entity };
        var problems = new List<string>();
        var ids = new List<string>();
        WandBTestResult Done() => result with { Problems = ValueList.Of(problems), ErrorIds = ValueList.Of(ids) };
        void Fail(KgException e)
        {
            problems.Add(e.Message);
            ids.Add(e.ErrorId);
        }

        var key = givenKey ?? WandBApiKey.Find(configuration.WandBBaseUrl);
        if (key is null)
        {
            try
            {
                WandBApiKey.Require(configuration.WandBBaseUrl);
            }
            catch (KgException e)
            {
                Fail(e);
            }
            return Done();
        }
        result = result with { KeySource = key.Source };
        using var client = new WandBClient(configuration.WandBBaseUrl, key, trace);
        var api = new WandBApi(client);
        WandBViewer viewer;
        try
        {
            viewer = await api.ViewerAsync(ct).ConfigureAwait(false);
        }
        catch (KgException e)
        {
            Fail(e);
            return Done();
        }
        result = result with { User = viewer.Username };
        WandBOrganization org;
        try
        {
            org = await api.OrganizationAsync(entity, ct).ConfigureAwait(false);
            var member = string.Equals(viewer.Entity, entity, StringComparison.Ordinal) || viewer.Teams.Contains(entity, StringComparer.Ordinal);
            if (!member)
            {
                Fail(new KgException("WandBNoProjectAccess", KgErrorKind.PermissionDenied,
                    $"{viewer.Username} ({key}) is not a member of the W&B team '{entity}' (their teams: {string.Join(", ", viewer.Teams.DefaultIfEmpty("none"))}), so runs and model artifacts cannot be logged in its projects. Ask an admin of '{entity}' to invite them, or set another team with Set-KgEnvironment -WandBEntity.",
                    entity));
                return Done();
            }
            result = result with { ProjectAccess = true };
        }
        catch (KgException e)
        {
            Fail(e);
            return Done();
        }
        try
        {
            var roles = (await api.RegistryRolesAsync(org, WandBConfiguration.RegistryProject, viewer, ct, d => RoleDenied(client, d, viewer)).ConfigureAwait(false))
                .Select(r => r.ToLowerInvariant()).Distinct().ToArray();
            var canLink = roles.Any(r => LinkingRoles.Contains(r));
            result = result with { RegistryRoles = ValueList.Of(roles), CanLink = canLink };
            if (!canLink && configuration.Registry == RegistryKind.WandB)
            {
                Fail(new KgException("WandBRegistryRoleMissing", KgErrorKind.PermissionDenied,
                    $"{viewer.Username} has {(roles.Length == 0 ? "no role" : "only the role " + string.Join(", ", roles))} in the model registry of {org.Name} ({WandBConfiguration.RegistryProject}). Project access is not registry access: -Track works, but promotion, demotion and metadata changes will fail with 403 (\"Permission denied\"). Ask an admin of the model registry for the Member role (W&B: Registry, model, Settings, members).",
                    entity));
            }
        }
        catch (KgException e)
        {
            if (configuration.Registry == RegistryKind.WandB)
            {
                Fail(e);
            }
        }
        return Done();
    }

    private static KgException RoleDenied(WandBClient client, WandBDenial denial, WandBViewer viewer) => new("WandBRegistryRoleMissing", KgErrorKind.PermissionDenied,
        $"W&B ({client.BaseUrl}) did not let {viewer.Username} see the members of the model registry ({denial.ServerMessage}): they have no role in it. Project access is not registry access: -Track works, but promotion needs the Member role in the model registry; ask one of its admins.",
        viewer.Username);
}
