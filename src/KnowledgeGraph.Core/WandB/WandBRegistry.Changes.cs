using System.Text.Json.Nodes;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.WandB;

public sealed partial class WandBRegistry
{
    /// <summary>One artifact to change: as it was read, and its metadata and tags after the change.</summary>
    private sealed record ArtifactWrite(WandBArtifact Before, JsonObject Metadata, IReadOnlyList<string> TagsToAdd, IReadOnlyList<string> TagsToDelete, string What);

    public async Task<RegistryChange> ChangeAsync(string wikibaseId, Func<ConceptRegistry, RegistryRecord?> decide, CancellationToken cancellationToken)
    {
        _listing = null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (state, memberships) = await ReadAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
            var proposal = decide(state);
            if (proposal is null)
            {
                return new RegistryChange(state, state, null, attempt);
            }
            var record = proposal with { Sequence = state.Sequence + 1, At = DateTimeOffset.UtcNow, WikibaseId = wikibaseId };
            WandBMembership Membership(ModelVersion registryVersion) => memberships.First(m => m.VersionIndex == registryVersion.Number && BelongsHere(m.Artifact));

            var writes = new List<ArtifactWrite>();
            WandBArtifact? toLink = null;
            switch (record.Action)
            {
                case RegistryAction.Promote:
                    var linked = state.Find(record.RegistryVersion) is { } e && e.ClassifierId == record.ClassifierId && e.ModelVersion == record.ModelVersion
                        ? Membership(record.RegistryVersion).Artifact : null;
                    var target = linked ?? await ArtifactOfAsync(wikibaseId, record, cancellationToken).ConfigureAwait(false);
                    toLink = linked is null ? target : null;
                    writes.Add(new ArtifactWrite(target, WithRegistryMetadata(target.Metadata, record.Profile, record.DontRunOn ?? [], record.RequireGpu ?? false),
                        target.Tags.Contains(EnvName) ? [] : [EnvName], [], $"promote {target.Path} as {record.Profile}"));
                    if (record.Supersedes is { } old)
                    {
                        var superseded = Membership(old).Artifact;
                        writes.Add(new ArtifactWrite(superseded, WithoutProfiles(superseded.Metadata), [], TagsOf(superseded), $"demote {superseded.Path} (replaced)"));
                    }
                    break;
                case RegistryAction.Demote:
                    var demoted = Membership(record.RegistryVersion).Artifact;
                    writes.Add(new ArtifactWrite(demoted, WithoutProfiles(demoted.Metadata), [], TagsOf(demoted), $"demote {demoted.Path}"));
                    break;
                case RegistryAction.Update:
                    var entry = state.Find(record.RegistryVersion)!;
                    var after = entry.With(record.Change!);
                    var updated = Membership(record.RegistryVersion).Artifact;
                    writes.Add(new ArtifactWrite(updated, WithRegistryMetadata(updated.Metadata, after.Profile, after.DontRunOn, after.RequireGpu), [], [],
                        $"update {updated.Path}: {record.Change}"));
                    break;
            }

            // W&B cannot refuse a write made on an outdated read: check just before writing that nobody changed the
            // artifacts since they were read, and decide again on the new state if someone did.
            if (!await UnchangedAsync(writes, cancellationToken).ConfigureAwait(false))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            var done = new List<string>();
            try
            {
                if (toLink is not null)
                {
                    // First the link (it changes nothing that is used: the version is not tagged yet), so that a missing
                    // registry role stops the promotion before any metadata or tag is written.
                    var org = await OrganizationAsync(cancellationToken).ConfigureAwait(false);
                    var membership = await _api.LinkAsync(toLink.Id, org, WandBConfiguration.RegistryProject, wikibaseId, cancellationToken,
                        d => RegistryRoleMissing(d, wikibaseId)).ConfigureAwait(false);
                    record = record with { RegistryVersion = new ModelVersion(membership.VersionIndex) };
                    done.Add($"linked {toLink.Path} into {WandBConfiguration.RegistryProject}/{wikibaseId} as v{membership.VersionIndex}");
                }
                foreach (var write in writes)
                {
                    await _api.UpdateAsync(write.Before.Id, write.Metadata, write.TagsToAdd, write.TagsToDelete, cancellationToken,
                        d => RegistryRoleMissing(d, wikibaseId)).ConfigureAwait(false);
                    done.Add(write.What);
                }
            }
            catch (KgException e) when (done.Count > 0)
            {
                throw new KgException(e.ErrorId, e.Kind, $"{e.Message} Already done in W&B before this failure: {string.Join("; ", done)}.", e.Target, e);
            }

            await Task.Delay(SettleDelay, cancellationToken).ConfigureAwait(false);
            var (afterState, _) = await ReadAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
            Verify(wikibaseId, state, afterState, record);
            return new RegistryChange(state, afterState, record, attempt);
        }
        throw new KgException("RegistryContention", KgErrorKind.ResourceUnavailable,
            $"The W&B registry of {wikibaseId} ({Location}) changed under this command {MaxAttempts} times in a row; nothing was written. Try again.", wikibaseId);
    }

    private string[] TagsOf(WandBArtifact a) => a.Tags.Where(t => EnvTags.Contains(t, StringComparer.Ordinal)).ToArray();

    private async Task<bool> UnchangedAsync(IReadOnlyList<ArtifactWrite> writes, CancellationToken ct)
    {
        foreach (var write in writes)
        {
            var now = await _api.ArtifactAsync(write.Before.Id, ct).ConfigureAwait(false);
            if (now is null || now.MetadataJson != write.Before.MetadataJson || !now.Tags.Order().SequenceEqual(write.Before.Tags.Order()))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Checks that the state read back after the writes is what the record says; anything else means another
    /// writer's change landed on top of this one (or this one on top of theirs), which W&amp;B cannot prevent.</summary>
    private void Verify(string wikibaseId, ConceptRegistry before, ConceptRegistry after, RegistryRecord record)
    {
        var problems = new List<string>();
        var entry = after.Find(record.RegistryVersion);
        void Expect(bool ok, string what)
        {
            if (!ok) problems.Add(what);
        }
        switch (record.Action)
        {
            case RegistryAction.Promote:
                Expect(entry is { Promoted: true } && entry.ClassifierId == record.ClassifierId,
                    $"registry {record.RegistryVersion} should be {record.ClassifierId} promoted, but is {Describe(entry)}");
                Expect(entry?.Profile == record.Profile, $"its profile should be {record.Profile}, but is {entry?.Profile ?? "none"}");
                Expect(entry is not null && entry.DontRunOn.SequenceEqual(record.DontRunOn ?? [], StringComparer.Ordinal),
                    $"its dont_run_on should be [{string.Join(", ", record.DontRunOn ?? [])}], but is [{string.Join(", ", entry?.DontRunOn ?? [])}]");
                Expect(entry?.RequireGpu == (record.RequireGpu ?? false), $"its GPU requirement should be {record.RequireGpu ?? false}");
                if (record.Supersedes is { } old)
                {
                    Expect(after.Find(old) is { Promoted: false }, $"registry {old} should be demoted, but is {Describe(after.Find(old))}");
                }
                break;
            case RegistryAction.Demote:
                Expect(entry is { Promoted: false }, $"registry {record.RegistryVersion} should be demoted, but is {Describe(entry)}");
                break;
            case RegistryAction.Update:
                var expected = before.Find(record.RegistryVersion)!.With(record.Change!);
                Expect(entry is { Promoted: true }, $"registry {record.RegistryVersion} should stay promoted, but is {Describe(entry)}");
                Expect(entry?.Profile == expected.Profile, $"its profile should be {expected.Profile}, but is {entry?.Profile ?? "none"}");
                Expect(entry is not null && entry.DontRunOn.SequenceEqual(expected.DontRunOn, StringComparer.Ordinal),
                    $"its dont_run_on should be [{string.Join(", ", expected.DontRunOn)}], but is [{string.Join(", ", entry?.DontRunOn ?? [])}]");
                Expect(entry?.RequireGpu == expected.RequireGpu, $"its GPU requirement should be {expected.RequireGpu}, but is {entry?.RequireGpu}");
                break;
        }
        if (problems.Count > 0)
        {
            throw new KgException("ConcurrentRegistryChange", KgErrorKind.InvalidOperation,
                $"Another writer changed {wikibaseId} in the W&B registry of {Environment.Name()} at the same time as this command, and W&B keeps only the last write of an artifact's metadata and tags: after this command wrote, {string.Join("; ", problems)}. One of the two changes was overwritten. Look at the state now (Get-KgClassifier {wikibaseId} -Environment {Environment.Name()}) and repeat the change that is missing.",
                wikibaseId);
        }
    }

    private static string Describe(RegistryEntry? e) => e is null
        ? "missing"
        : $"{e.ClassifierId} {e.ModelVersion} {(e.Promoted ? $"promoted ({e.Profile ?? "no profile"})" : "not promoted")}";

    /// <summary>The W&amp;B artifact of the store version a promotion names: the artifact of the same number when it was
    /// logged for exactly this version, else one logged now (a version trained without -Track, or copied here), from a
    /// run of job type <c>promote_model</c> as the original promotes.</summary>
    private async Task<WandBArtifact> ArtifactOfAsync(string wikibaseId, RegistryRecord record, CancellationToken ct)
    {
        var version = record.ModelVersion!.Value;
        var stored = await _store.Models.GetAsync(wikibaseId, record.ClassifierId, version, ct).ConfigureAwait(false)
            ?? throw new KgException("ModelMissing", KgErrorKind.ObjectNotFound,
                $"{wikibaseId}/{record.ClassifierId} {version} is not in the store of {Environment.Name()}.", $"{wikibaseId}/{record.ClassifierId}");
        var same = await _api.MembershipAsync(_entity, wikibaseId, $"{record.ClassifierId}:{version}", ct).ConfigureAwait(false);
        var artifact = same is not null && StoreVersionOf(same.Artifact).ManifestSha256 == stored.ManifestSha256
            ? same.Artifact
            : await WandBModels.LogAsync(_api, _entity, _store, stored, "promote_model", ct).ConfigureAwait(false);
        if (!BelongsHere(artifact))
        {
            throw new KgException("VersionEnvironmentMismatch", KgErrorKind.InvalidOperation,
                $"The W&B artifact of {wikibaseId}/{record.ClassifierId} {version} ({artifact.Path}) has aws_env '{artifact.Metadata["aws_env"]}', not {EnvName}: W&B keeps one artifact for the same model files, and it belongs to another environment.",
                artifact.Path);
        }
        return artifact;
    }

    private KgException RegistryRoleMissing(WandBDenial denial, string wikibaseId) => new("WandBRegistryRoleMissing", KgErrorKind.PermissionDenied,
        $"W&B ({_api.Client.BaseUrl}) denied {denial.Operation} in the model registry ({WandBConfiguration.RegistryProject}/{wikibaseId}) to the owner of {_api.Client.Key}: {denial.ServerMessage}. Access to the team's projects is not access to the registry: training with -Track works with the first, promotion, demotion and metadata changes need the second. Ask an admin of the model registry (W&B: Registry, model, Settings, members) to give you the Member role (Admin also works; Viewer can only read). Nothing was promoted.",
        wikibaseId);

    /// <summary>The artifact's metadata with the registry keys of the original's scheme set: <c>classifiers_profiles</c> (a
    /// one-element list), <c>dont_run_on</c> (removed when empty), <c>compute_environment.gpu</c> (removed, with an empty
    /// <c>compute_environment</c>, when not required). Other keys are kept as they are.</summary>
    internal static JsonObject WithRegistryMetadata(JsonObject metadata, string? profile, IReadOnlyList<string> dontRunOn, bool requireGpu)
    {
        var m = (JsonObject)metadata.DeepClone();
        if (profile is null) m.Remove("classifiers_profiles"); else m["classifiers_profiles"] = new JsonArray(profile);
        if (dontRunOn.Count == 0) m.Remove("dont_run_on"); else m["dont_run_on"] = new JsonArray(dontRunOn.Select(s => (JsonNode)s).ToArray());
        if (requireGpu)
        {
            if (m["compute_environment"] is not JsonObject ce)
            {
                m["compute_environment"] = ce = new JsonObject();
            }
            ce["gpu"] = true;
        }
        else if (m["compute_environment"] is JsonObject ce)
        {
            ce.Remove("gpu");
            if (ce.Count == 0) m.Remove("compute_environment");
        }
        return m;
    }

    internal static JsonObject WithoutProfiles(JsonObject metadata)
    {
        var m = (JsonObject)metadata.DeepClone();
        m.Remove("classifiers_profiles");
        return m;
    }
}
