using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Registry;

/// <summary>Which promoted registry version a demotion means.</summary>
public sealed record DemotionTarget(ModelVersion? RegistryVersion = null, string? ClassifierId = null, string? Profile = null);

/// <summary>The lifecycle's rules, applied to a concept's registry state. Each returns the record to append (without
/// sequence, time or author), null when the state already is what was asked (nothing to write), or throws a
/// <see cref="KgException"/> naming the broken rule. The registry runs them again on a fresh state whenever another
/// writer got in first, so they always judge the state the record is appended to.</summary>
public static class RegistryRules
{
    public static MetadataChange Normalise(MetadataChange change)
    {
        var add = change.AddProfiles.Select(ClassifiersProfiles.Parse).Distinct().ToArray();
        var remove = change.RemoveProfiles.Select(ClassifiersProfiles.Parse).Distinct().ToArray();
        var both = add.Intersect(remove).ToArray();
        if (both.Length > 0)
        {
            throw new KgException("ConflictingProfileChange", KgErrorKind.InvalidArgument,
                $"Cannot add and remove the same classifiers profile: {string.Join(", ", both)}.", both);
        }
        return change with
        {
            AddProfiles = add,
            RemoveProfiles = remove,
            AddDontRunOn = change.AddDontRunOn.Select(DontRunOnSources.Parse).Distinct().ToArray(),
            RemoveDontRunOn = change.RemoveDontRunOn.Select(DontRunOnSources.Parse).Distinct().ToArray(),
        };
    }

    /// <summary>Promote a model version: it must have been trained (or copied) for this environment, and it must end with
    /// exactly one profile; the concept may then have at most one primary, one experimental and three retired promoted
    /// classifiers. Promoting a new version of an already promoted classifier replaces that registry version, keeping
    /// its profile (unless changed), sources and GPU requirement.</summary>
    public static RegistryRecord? Promote(ConceptRegistry state, StoredModelVersion version, KgEnvironment environment, MetadataChange profileChange)
    {
        var change = Normalise(profileChange);
        var manifest = version.Manifest;
        var trainedFor = EnvironmentNames.Parse(manifest.Metadata.AwsEnv);
        if (trainedFor != environment)
        {
            throw new KgException("VersionEnvironmentMismatch", KgErrorKind.InvalidOperation,
                $"{manifest.WikibaseId}/{manifest.ClassifierId} {manifest.Version} was trained for {trainedFor.Name()}, so it cannot be promoted in {environment.Name()}. Copy it first: Copy-KgClassifier {manifest.WikibaseId} -ClassifierId {manifest.ClassifierId} -Version {manifest.Version} -SourceEnvironment {trainedFor.Name()} -Environment {environment.Name()}.",
                $"{manifest.WikibaseId}/{manifest.ClassifierId} {manifest.Version}");
        }

        var linked = state.Entries.FirstOrDefault(e => e.ClassifierId == manifest.ClassifierId && e.ModelVersion == manifest.Version && e.ManifestSha256 == version.ManifestSha256);
        var superseded = state.Promoted.FirstOrDefault(e => e.ClassifierId == manifest.ClassifierId && e != linked);
        var basis = linked is { Promoted: true } ? linked : superseded ?? linked;
        // A version new to this registry (a copy) starts from the registry metadata it carries from its source.
        var carried = basis is null ? manifest.Metadata.Carried : null;
        var profiles = ConceptRegistryProfiles(basis?.Promoted == true ? basis.Profile : carried?.ClassifiersProfile, change);
        if (profiles.Count == 0)
        {
            throw new KgException("MissingClassifiersProfile", KgErrorKind.InvalidArgument,
                $"Promoting {manifest.WikibaseId}/{manifest.ClassifierId} {manifest.Version} needs exactly one classifiers profile: add one with -AddClassifiersProfile ({string.Join(", ", ClassifiersProfiles.All)}).");
        }
        if (profiles.Count > 1)
        {
            throw new KgException("TooManyClassifiersProfiles", KgErrorKind.InvalidArgument,
                $"A promoted classifier has exactly one classifiers profile, but {manifest.WikibaseId}/{manifest.ClassifierId} would have {string.Join(" and ", profiles)}: remove one with -RemoveClassifiersProfile.");
        }
        var profile = profiles[0];
        CheckMultiplicity(state, manifest.WikibaseId, environment, profile, except: [linked?.RegistryVersion, superseded?.RegistryVersion]);

        if (linked is { Promoted: true } && linked.Profile == profile && superseded is null)
        {
            return null; // already promoted like this
        }
        return new RegistryRecord
        {
            Sequence = 0,
            WikibaseId = manifest.WikibaseId,
            Environment = environment.For(EnvironmentUse.ModelMetadata),
            At = default,
            By = Actor.Current,
            Action = RegistryAction.Promote,
            RegistryVersion = linked?.RegistryVersion ?? state.NextRegistryVersion,
            ClassifierId = manifest.ClassifierId,
            ModelVersion = manifest.Version,
            ManifestSha256 = version.ManifestSha256,
            ConceptId = manifest.Metadata.ConceptId,
            ClassifierName = manifest.Metadata.ClassifierName,
            Profile = profile,
            DontRunOn = basis?.DontRunOn ?? DontRunOnSources.Normalise(carried?.DontRunOn ?? []),
            RequireGpu = basis?.RequireGpu ?? manifest.Metadata.RequireGpu,
            Supersedes = superseded?.RegistryVersion,
            Change = change.AddProfiles.Count + change.RemoveProfiles.Count > 0 ? new MetadataChange { AddProfiles = change.AddProfiles, RemoveProfiles = change.RemoveProfiles } : null,
        };
    }

    /// <summary>Demote one promoted registry version. Without a target, the only promoted one; when several are promoted,
    /// it refuses and names them rather than guess.</summary>
    public static RegistryRecord Demote(ConceptRegistry state, KgEnvironment environment, DemotionTarget target)
    {
        var promoted = state.Promoted.ToList();
        var where = $"{state.WikibaseId} in {environment.Name()}";
        if (target.RegistryVersion is { } rv)
        {
            var entry = state.Find(rv) ?? throw new KgException("RegistryVersionNotFound", KgErrorKind.ObjectNotFound,
                $"{where} has no registry version {rv}; it has {Describe(state.Entries)}.", rv.ToString());
            if (!entry.Promoted)
            {
                throw new KgException("NotPromoted", KgErrorKind.InvalidOperation, $"Registry version {rv} of {where} ({entry.ClassifierId}) is not promoted.", rv.ToString());
            }
            promoted = [entry];
        }
        if (target.ClassifierId is { } cid)
        {
            promoted = promoted.Where(e => e.ClassifierId == cid).ToList();
        }
        if (target.Profile is { } p)
        {
            var profile = ClassifiersProfiles.Parse(p);
            promoted = promoted.Where(e => e.Profile == profile).ToList();
        }
        if (promoted.Count == 0)
        {
            throw new KgException("NotPromoted", KgErrorKind.ObjectNotFound,
                $"Nothing matching that is promoted for {where}. Promoted: {Describe(state.Promoted)}.", state.WikibaseId);
        }
        if (promoted.Count > 1)
        {
            throw new KgException("AmbiguousDemotionTarget", KgErrorKind.InvalidArgument,
                $"{promoted.Count} classifiers are promoted for {where}: {Describe(promoted)}. Say which to demote with -RegistryVersion, -ClassifierId or -ClassifiersProfile.",
                promoted);
        }
        var e = promoted[0];
        return new RegistryRecord
        {
            Sequence = 0, WikibaseId = state.WikibaseId, Environment = environment.For(EnvironmentUse.ModelMetadata), At = default, By = Actor.Current,
            Action = RegistryAction.Demote, RegistryVersion = e.RegistryVersion, ClassifierId = e.ClassifierId,
        };
    }

    /// <summary>Change the metadata of the promoted registry version of <paramref name="classifierId"/>. The result keeps
    /// exactly one profile and the concept's profile limits.</summary>
    public static RegistryRecord? Update(ConceptRegistry state, KgEnvironment environment, string classifierId, MetadataChange requested)
    {
        var change = Normalise(requested);
        var entry = state.Promoted.FirstOrDefault(e => e.ClassifierId == classifierId)
            ?? throw new KgException("NotPromoted", KgErrorKind.InvalidOperation,
                $"{state.WikibaseId}/{classifierId} is not promoted in {environment.Name()}, and metadata is kept on the promoted version. Promote it first: Publish-KgClassifier {state.WikibaseId} -ClassifierId {classifierId} -Environment {environment.Name()} -AddClassifiersProfile primary."
                + (state.Promoted.Any() ? $" Promoted now: {Describe(state.Promoted)}." : ""),
                $"{state.WikibaseId}/{classifierId}");
        var profiles = ConceptRegistryProfiles(entry.Profile, change);
        if (profiles.Count != 1)
        {
            throw new KgException(profiles.Count == 0 ? "MissingClassifiersProfile" : "TooManyClassifiersProfiles", KgErrorKind.InvalidArgument,
                profiles.Count == 0
                    ? $"{state.WikibaseId}/{classifierId} is promoted, so it keeps exactly one classifiers profile; to stop using it, demote it with Unpublish-KgClassifier."
                    : $"A promoted classifier has exactly one classifiers profile, but {state.WikibaseId}/{classifierId} would have {string.Join(" and ", profiles)}: remove one with -RemoveClassifiersProfile.");
        }
        if (profiles[0] != entry.Profile)
        {
            CheckMultiplicity(state, state.WikibaseId, environment, profiles[0], except: [entry.RegistryVersion]);
        }
        var after = entry.With(change);
        if (after.Profile == entry.Profile && after.RequireGpu == entry.RequireGpu && after.DontRunOn.SequenceEqual(entry.DontRunOn, StringComparer.Ordinal))
        {
            return null;
        }
        return new RegistryRecord
        {
            Sequence = 0, WikibaseId = state.WikibaseId, Environment = environment.For(EnvironmentUse.ModelMetadata), At = default, By = Actor.Current,
            Action = RegistryAction.Update, RegistryVersion = entry.RegistryVersion, ClassifierId = classifierId, Change = change,
        };
    }

    /// <summary>Import an entry of an existing spec file: promote <paramref name="version"/> (a stand-in for a model kept
    /// elsewhere) at the entry's own registry version, with its profile and metadata. Null when the registry already
    /// holds exactly that entry. Refused when the registry version is taken by something else, when the classifier is
    /// already promoted under another registry version, or when the profile limits would break.</summary>
    public static RegistryRecord? Import(ConceptRegistry state, StoredModelVersion version, KgEnvironment environment, Specs.ClassifierSpec spec)
    {
        var manifest = version.Manifest;
        var registryVersion = ModelVersion.Parse(spec.RegistryVersion, "registry version");
        // The original's files have entries without a profile (a warning in Test-KgInferenceSpec); they are imported
        // as they are, so that the spec comes out the same, and get a profile with Set-KgClassifierMetadata.
        var profile = spec.ClassifiersProfile is null ? null : ClassifiersProfiles.Parse(spec.ClassifiersProfile);
        var sources = DontRunOnSources.Normalise((spec.DontRunOn ?? []).Select(DontRunOnSources.Parse));
        var where = $"{state.WikibaseId} in {environment.Name()}";
        var existing = state.Find(registryVersion);
        if (existing is not null)
        {
            if (existing.ClassifierId == manifest.ClassifierId && existing.Promoted && existing.Profile == profile
                && existing.RequireGpu == (spec.RequireGpu ?? false) && existing.DontRunOn.SequenceEqual(sources, StringComparer.Ordinal))
            {
                return null; // imported before
            }
            throw new KgException("RegistryVersionTaken", KgErrorKind.ResourceExists,
                $"Registry version {registryVersion} of {where} already holds {existing.ClassifierId} {existing.ModelVersion}{(existing.Promoted ? $" ({existing.Profile})" : " (demoted)")}; the spec entry for {manifest.ClassifierId} cannot be imported there.",
                $"{state.WikibaseId}/{manifest.ClassifierId}");
        }
        if (state.Promoted.FirstOrDefault(e => e.ClassifierId == manifest.ClassifierId) is { } promoted)
        {
            throw new KgException("DuplicateClassifierId", KgErrorKind.ResourceExists,
                $"{state.WikibaseId}/{manifest.ClassifierId} is already promoted in {environment.Name()} as registry {promoted.RegistryVersion}; a spec lists each classifier once, so the entry at {registryVersion} is not imported.",
                $"{state.WikibaseId}/{manifest.ClassifierId}");
        }
        if (profile is not null)
        {
            CheckMultiplicity(state, state.WikibaseId, environment, profile, except: []);
        }
        return new RegistryRecord
        {
            Sequence = 0,
            WikibaseId = state.WikibaseId,
            Environment = environment.For(EnvironmentUse.ModelMetadata),
            At = default,
            By = Actor.Current,
            Action = RegistryAction.Promote,
            RegistryVersion = registryVersion,
            ClassifierId = manifest.ClassifierId,
            ModelVersion = manifest.Version,
            ManifestSha256 = version.ManifestSha256,
            ConceptId = spec.ConceptId,
            ClassifierName = manifest.Metadata.ClassifierName,
            Profile = profile,
            DontRunOn = sources,
            RequireGpu = spec.RequireGpu ?? false,
        };
    }

    private static IReadOnlyList<string> ConceptRegistryProfiles(string? current, MetadataChange change) =>
        RegistryEntry.ProfilesAfter(current, change);

    private static void CheckMultiplicity(ConceptRegistry state, string wikibaseId, KgEnvironment environment, string profile, ModelVersion?[] except)
    {
        var holders = state.Promoted.Where(e => e.Profile == profile && !except.Contains(e.RegistryVersion)).ToList();
        var max = ClassifiersProfiles.MaximumPerConcept(profile);
        if (holders.Count + 1 > max)
        {
            var first = holders[0];
            throw new KgException("ProfileLimitReached", KgErrorKind.InvalidOperation,
                $"{wikibaseId} already has {holders.Count} {profile} classifier(s) promoted in {environment.Name()} ({Describe(holders)}); at most {max} allowed. Demote one first (Unpublish-KgClassifier {wikibaseId} -Environment {environment.Name()} -RegistryVersion {first.RegistryVersion}), or choose another profile.",
                holders);
        }
    }

    private static string Describe(IEnumerable<RegistryEntry> entries)
    {
        var list = entries.Select(e => $"{e.RegistryVersion} {e.ClassifierId} {e.ModelVersion}{(e.Profile is null ? "" : " " + e.Profile)}").ToList();
        return list.Count == 0 ? "none" : string.Join("; ", list);
    }
}
