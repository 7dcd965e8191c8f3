using KnowledgeGraph.Environments;

namespace KnowledgeGraph.Registry;

/// <summary>Which system holds an environment's registry of record.</summary>
public enum RegistryKind
{
    /// <summary>Our own append-only, hash-chained log in the environment's store (the default).</summary>
    Store,
    /// <summary>The Weights &amp; Biases model registry, as the original system used it.</summary>
    WandB,
}

/// <summary>An environment's registry: the promoted state of each concept, and the one way to change it. The lifecycle
/// (promote, demote, metadata, spec files, listings) works on this interface only; <see cref="ClassifierRegistry"/> keeps
/// the state in the store, <c>WandB.WandBRegistry</c> in W&amp;B. A change is always decided by <see cref="RegistryRules"/>
/// on the state it is applied to: <see cref="ChangeAsync"/> reads the state, asks <c>decide</c> for a record, writes it,
/// and retries or refuses when another writer changed the state meanwhile.</summary>
public interface IClassifierRegistry
{
    RegistryKind Kind { get; }

    KgEnvironment Environment { get; }

    /// <summary>Where the registry is, for messages (a store location, or a W&amp;B registry path).</summary>
    string Location { get; }

    Task<IReadOnlyList<string>> ListConceptsAsync(CancellationToken cancellationToken);

    Task<ConceptRegistry> GetAsync(string wikibaseId, CancellationToken cancellationToken);

    Task<IReadOnlyList<RegistryRecord>> GetHistoryAsync(string wikibaseId, CancellationToken cancellationToken);

    Task<(ConceptRegistry? State, IReadOnlyList<string> Problems)> VerifyAsync(string wikibaseId, CancellationToken cancellationToken);

    Task<RegistryChange> ChangeAsync(string wikibaseId, Func<ConceptRegistry, RegistryRecord?> decide, CancellationToken cancellationToken);
}
