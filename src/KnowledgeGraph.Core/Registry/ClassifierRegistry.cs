using System.Globalization;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Registry;

/// <summary>The outcome of a registry change: the state before and after, and the record written (null when the state
/// already was as asked and nothing was written).</summary>
public sealed record RegistryChange(ConceptRegistry Before, ConceptRegistry After, RegistryRecord? Record, int Attempts)
{
    public bool Changed => Record is not null;
}

/// <summary>The registry of one environment. Each concept's registry is an append-only log of immutable records
/// (<c>registry/&lt;Qid&gt;/records/&lt;sequence&gt;.json</c>), each written with a create-only write at the next sequence
/// number: a writer that loses the race re-reads the state, re-applies the rules to it and retries. No update is lost,
/// no lock service is needed, and the log is a complete audit history. The state is the fold of the records;
/// <c>registry/&lt;Qid&gt;/state.json</c> caches it (a snapshot: readers fold only the records after it).</summary>
public sealed class ClassifierRegistry(IObjectStore store, KgEnvironment environment)
{
    public const string Prefix = "registry/";
    private const int MaxAttempts = 200;

    public KgEnvironment Environment => environment;
    public IObjectStore Objects => store;

    private static string RecordsPrefix(string wikibaseId) => $"{Prefix}{wikibaseId}/records/";

    public static string RecordKey(string wikibaseId, long sequence) =>
        RecordsPrefix(wikibaseId) + sequence.ToString("D10", CultureInfo.InvariantCulture) + ".json";

    private static string StateKey(string wikibaseId) => $"{Prefix}{wikibaseId}/state.json";

    /// <summary>The concepts that have a registry in this environment.</summary>
    public async Task<IReadOnlyList<string>> ListConceptsAsync(CancellationToken cancellationToken)
    {
        var folders = await store.ListFoldersAsync(Prefix, cancellationToken).ConfigureAwait(false);
        return folders.Where(WikibaseId.IsValid).Order(WikibaseId.NumericStringComparer).ToArray();
    }

    /// <summary>The current state: the snapshot, plus the records written after it.</summary>
    public async Task<ConceptRegistry> GetAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var snapshot = RegistryJson.ReadState(await store.GetAsync(StateKey(wikibaseId), cancellationToken).ConfigureAwait(false), wikibaseId)
            ?? ConceptRegistry.Empty(wikibaseId);
        var after = snapshot.Sequence == 0 ? null : RecordKey(wikibaseId, snapshot.Sequence);
        var state = snapshot;
        foreach (var record in await ReadRecordsAsync(wikibaseId, after, cancellationToken).ConfigureAwait(false))
        {
            state = state.Apply(record);
        }
        return state;
    }

    /// <summary>Every record of the concept, oldest first.</summary>
    public Task<IReadOnlyList<RegistryRecord>> GetHistoryAsync(string wikibaseId, CancellationToken cancellationToken) =>
        ReadRecordsAsync(wikibaseId, null, cancellationToken);

    /// <summary>Appends the record <paramref name="decide"/> makes of the current state, retrying on a fresh state when
    /// another writer appended first. <paramref name="decide"/> may throw (a broken rule) or return null (no change).</summary>
    public async Task<RegistryChange> ChangeAsync(string wikibaseId, Func<ConceptRegistry, RegistryRecord?> decide, CancellationToken cancellationToken)
    {
        var random = new Random();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var state = await GetAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
            var proposal = decide(state);
            if (proposal is null)
            {
                return new RegistryChange(state, state, null, attempt);
            }
            var record = proposal with { Sequence = state.Sequence + 1, At = DateTimeOffset.UtcNow, WikibaseId = wikibaseId };
            var after = state.Apply(record);
            if (await store.TryCreateAsync(RecordKey(wikibaseId, record.Sequence), RegistryJson.Write(record), cancellationToken).ConfigureAwait(false))
            {
                await TryWriteSnapshotAsync(after, cancellationToken).ConfigureAwait(false);
                return new RegistryChange(state, after, record, attempt);
            }
            // Another writer took this sequence number: back off a little, re-read, re-decide.
            await Task.Delay(random.Next(2, 10 + Math.Min(attempt, 20) * 5), cancellationToken).ConfigureAwait(false);
        }
        throw new KgException("RegistryContention", KgErrorKind.ResourceUnavailable,
            $"The registry of {wikibaseId} in {environment.Name()} changed under this command {MaxAttempts} times in a row; try again.", wikibaseId);
    }

    private async Task<IReadOnlyList<RegistryRecord>> ReadRecordsAsync(string wikibaseId, string? startAfter, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(RecordsPrefix(wikibaseId), startAfter, cancellationToken).ConfigureAwait(false);
        var records = new List<RegistryRecord>(keys.Count);
        foreach (var key in keys.Where(k => k.EndsWith(".json", StringComparison.Ordinal)))
        {
            var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (json is not null)
            {
                records.Add(RegistryJson.ReadRecord(json, key));
            }
        }
        return records;
    }

    private async Task TryWriteSnapshotAsync(ConceptRegistry state, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutAsync(StateKey(state.WikibaseId), RegistryJson.Write(state), cancellationToken).ConfigureAwait(false);
        }
        catch (KgException)
        {
            // The snapshot is only a cache: the record is written, and readers fold any records after an older snapshot.
        }
    }
}
