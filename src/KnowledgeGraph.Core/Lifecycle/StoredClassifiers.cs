using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Lifecycle;

/// <summary>Builds a classifier from a stored model version. Learned types are loaded by the engine given to the constructor.</summary>
public sealed class StoredClassifiers(Func<StoredModelVersion, IReadOnlyDictionary<string, byte[]>, IClassifier>? learned)
{
    public async Task<IClassifier> LoadAsync(EnvironmentStore store, ClassifierInfo info, CancellationToken cancellationToken)
    {
        var stored = await store.Models.GetAsync(info.WikibaseId, info.ClassifierId, info.Version, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("VersionNotFound", KgErrorKind.ObjectNotFound,
                $"{info.WikibaseId}/{info.ClassifierId} {info.Version} is not in {store.Environment.Name()} ({store.Objects.Location}).", info.ClassifierId);
        if (stored.ManifestSha256 != info.ManifestSha256)
        {
            throw new KgException("ModelMismatch", KgErrorKind.InvalidData,
                $"{info.WikibaseId}/{info.ClassifierId} {info.Version} in {store.Environment} is not the version described (its manifest differs); get it again with Get-KgClassifier.", info.ClassifierId);
        }
        return await LoadAsync(store, stored, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IClassifier> LoadAsync(EnvironmentStore store, StoredModelVersion stored, CancellationToken cancellationToken)
    {
        var m = stored.Manifest;
        var model = await store.Models.ReadFileAsync(stored, ModelFiles.Model, cancellationToken).ConfigureAwait(false);
        var source = $"{m.WikibaseId}/{m.ClassifierId} {m.Version} ({ModelFiles.Model})";
        if (m.Metadata.ClassifierName == SpecImport.ImportedClassifierName)
        {
            throw new KgException("UnsupportedClassifier", KgErrorKind.NotImplemented,
                $"{source} was imported from a spec file: only its registry entry is here, its model is in the system that trained it.", m.Metadata.ClassifierName);
        }
        if (m.Metadata.ClassifierName == "KeywordClassifier")
        {
            return ModelFiles.ReadKeywordModel(model, m.ClassifierId, source);
        }
        if (!ClassifierTypes.TryFromClassName(m.Metadata.ClassifierName, out var type) || !type.IsLearned() || learned is null)
        {
            throw new KgException("UnsupportedClassifier", KgErrorKind.NotImplemented,
                $"{source} is a {m.Metadata.ClassifierName}, which this module cannot load.", m.Metadata.ClassifierName);
        }
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [ModelFiles.Model] = model };
        foreach (var f in m.Files.Where(f => f.Name != ModelFiles.Model))
        {
            files[f.Name] = await store.Models.ReadFileAsync(stored, f.Name, cancellationToken).ConfigureAwait(false);
        }
        return learned(stored, files);
    }

    /// <summary>The evaluation stored with a version, if any.</summary>
    public static async Task<IReadOnlyList<ClassifierEvaluation>> ReadEvaluationAsync(EnvironmentStore store, StoredModelVersion stored, CancellationToken cancellationToken)
    {
        var m = stored.Manifest;
        if (m.Files.All(f => f.Name != ModelFiles.Evaluation))
        {
            return [];
        }
        var json = await store.Models.ReadFileAsync(stored, ModelFiles.Evaluation, cancellationToken).ConfigureAwait(false);
        return ModelFiles.ReadEvaluationFile(json, m.WikibaseId, m.ClassifierId, m.Metadata.ClassifierName);
    }
}
