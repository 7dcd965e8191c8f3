using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Lifecycle;

/// <summary>What Import-KgInferenceSpec did with one entry of a spec file.</summary>
public sealed record SpecImportResult
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required ModelVersion RegistryVersion { get; init; }
    public required KgEnvironment Environment { get; init; }
    public string? ClassifiersProfile { get; init; }
    /// <summary>False when the registry already held exactly this entry.</summary>
    public required bool Changed { get; init; }
    /// <summary>The stand-in model version the registry entry points at.</summary>
    public required ModelVersion Version { get; init; }

    public override string ToString() =>
        $"{WikibaseId}/{ClassifierId} registry {RegistryVersion} ({ClassifiersProfile}) in {Environment.Name()}{(Changed ? "" : " (already there)")}";
}

/// <summary>Seeds a registry from an existing spec file (such as the original system's classifier_specs/v2 files):
/// each entry becomes a promotion at the entry's own registry version, with its profile, sources and GPU flag, so that
/// Update-KgInferenceSpec then writes the same entries. The models themselves live in the system that trained them, so
/// each entry points at a small stand-in model version (<c>ImportedClassifier</c>) that records where it came from and
/// cannot be run. Importing again changes nothing.</summary>
public static class SpecImport
{
    public const string ImportedClassifierName = "ImportedClassifier";
    public const string ModelSchema = "kgtools.imported-model/1";

    /// <summary>The entries of a spec file that break an error-severity rule, with why (they are not imported).</summary>
    public static IReadOnlyDictionary<int, string> Refusals(IReadOnlyList<ClassifierSpec> specs, string file) =>
        ClassifierSpecRules.Check(specs, file).Where(v => v.Severity == ViolationSeverity.Error && v.Entry > 0)
            .GroupBy(v => v.Entry - 1)
            .ToDictionary(g => g.Key, g => string.Join(" ", g.Select(v => $"{v.Rule}: {v.Message}")));

    public static async Task<SpecImportResult> ImportAsync(EnvironmentStore store, ClassifierSpec spec, CancellationToken cancellationToken)
    {
        var wikibaseId = WikibaseId.Parse(spec.WikibaseId).Value;
        var classifierId = Identifier.ParseClassifierId(spec.ClassifierId);
        var standIn = StandIn(store.Environment, wikibaseId, classifierId, spec.ConceptId);
        // The rules first, on a stand-in that is not stored yet: a refused entry leaves nothing behind.
        var existing = await store.Models.FindSameModelAsync(standIn.Manifest, cancellationToken).ConfigureAwait(false);
        var state = await store.Registry.GetAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        RegistryRules.Import(state, existing ?? standIn, store.Environment, spec);
        var version = existing ?? await store.Models.AddVersionAsync(new ModelPackage(wikibaseId, classifierId, standIn.Manifest.Metadata,
            [new ModelPackageFile(ModelFiles.Model, ModelCard(wikibaseId, classifierId, spec.ConceptId))]), null, cancellationToken).ConfigureAwait(false);
        var change = await store.Registry.ChangeAsync(wikibaseId, s => RegistryRules.Import(s, version, store.Environment, spec), cancellationToken).ConfigureAwait(false);
        var entry = change.After.Find(ModelVersion.Parse(spec.RegistryVersion, "registry version"))!;
        return new SpecImportResult
        {
            WikibaseId = wikibaseId,
            ClassifierId = classifierId,
            RegistryVersion = entry.RegistryVersion,
            Environment = store.Environment,
            ClassifiersProfile = entry.Profile,
            Changed = change.Changed,
            Version = version.Manifest.Version,
        };
    }

    private static StoredModelVersion StandIn(KgEnvironment environment, string wikibaseId, string classifierId, string? conceptId)
    {
        var card = ModelCard(wikibaseId, classifierId, conceptId);
        var manifest = new ModelManifest
        {
            WikibaseId = wikibaseId,
            ClassifierId = classifierId,
            Version = new ModelVersion(0),
            CreatedAt = DateTimeOffset.UtcNow,
            CreatedBy = Actor.Current,
            Metadata = new ModelMetadata { AwsEnv = environment.For(EnvironmentUse.ModelMetadata), ClassifierName = ImportedClassifierName, ConceptId = conceptId ?? "" },
            Files = [new ModelFile(ModelFiles.Model, ModelManifest.Sha256Hex(card), card.Length, "application/json")],
        };
        return new StoredModelVersion(manifest, CrossEnvironmentPromotion.PendingSha256, environment, StoreLocation.Local(Path.GetTempPath()));
    }

    // Deterministic, so that importing again finds the same stand-in instead of storing another.
    private static byte[] ModelCard(string wikibaseId, string classifierId, string? conceptId) => Text.KgJson.ToBytes(new ImportedModelCard
    {
        Schema = ModelSchema,
        WikibaseId = wikibaseId,
        ClassifierId = classifierId,
        ConceptId = conceptId,
        Note = "Imported from a classifier spec file: the model was trained by another system and is not stored here.",
    }, Text.KgJson.Indented.ImportedModelCard);
}

/// <summary>The model file of an imported stand-in (<c>kgtools.imported-model/1</c>).</summary>
internal sealed record ImportedModelCard
{
    public string? Schema { get; init; }
    public string? WikibaseId { get; init; }
    public string? ClassifierId { get; init; }
    public string? ConceptId { get; init; }
    public string? Note { get; init; }
}
