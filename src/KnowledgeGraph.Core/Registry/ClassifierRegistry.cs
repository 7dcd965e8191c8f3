using System.Globalization;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

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
/// no lock service is needed, and the log is a complete audit history. The log is a hash chain (each record names the
/// SHA-256 of the one before and of the state after it), so an edited or removed record is an error, not a silent
/// change. The state is the fold of the records; <c>registry/&lt;Qid&gt;/state.json</c> caches it (a snapshot, used only
/// when it matches the record it covers: readers then fold only the records after it).</summary>
public sealed class ClassifierRegistry(IObjectStore store, KgEnvironment environment)
{
    public const string Prefix = "registry/";
    private const int MaxAttempts = 200;

    public KgEnvironment Environment => environment;
    public IObjectStore Objects => store;

    private static string RecordsPrefix(string wikibaseId) => $"{Prefix}{wikibaseId}/records/";

    public static string RecordKey(string wikibaseId, long sequence) =>
        RecordsPrefix(wikibaseId) + sequence.ToString("D10", CultureInfo.InvariantCulture) + ".json";

    public static string StateKey(string wikibaseId) => $"{Prefix}{wikibaseId}/state.json";

    /// <summary>The concepts that have a registry in this environment.</summary>
    public async Task<IReadOnlyList<string>> ListConceptsAsync(CancellationToken cancellationToken)
    {
        var folders = await store.ListFoldersAsync(Prefix, cancellationToken).ConfigureAwait(false);
        return folders.Where(WikibaseId.IsValid).Order(WikibaseId.NumericStringComparer).ToArray();
    }

    /// <summary>The current state: the snapshot (when it matches the record it covers), plus the records after it, each
    /// checked against the hash chain.</summary>
    public async Task<ConceptRegistry> GetAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var snapshot = await TrustedSnapshotAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        return await FoldAsync(wikibaseId, snapshot ?? ConceptRegistry.Empty(wikibaseId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every record of the concept, oldest first, after checking the whole chain.</summary>
    public async Task<IReadOnlyList<RegistryRecord>> GetHistoryAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var records = new List<RegistryRecord>();
        await FoldAsync(wikibaseId, ConceptRegistry.Empty(wikibaseId), cancellationToken, records.Add).ConfigureAwait(false);
        return records;
    }

    /// <summary>What a full check of a concept's log finds: the chain from the first record, and whether the snapshot
    /// agrees with it. Problems are returned as messages; a broken chain is one of them.</summary>
    public async Task<(ConceptRegistry? State, IReadOnlyList<string> Problems)> VerifyAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ConceptRegistry state;
        try
        {
            var records = new List<RegistryRecord>();
            state = await FoldAsync(wikibaseId, ConceptRegistry.Empty(wikibaseId), cancellationToken, records.Add).ConfigureAwait(false);
            var legacy = records.Count(r => !r.Chained);
            if (legacy > 0)
            {
                problems.Add($"{wikibaseId}: {legacy} record(s) were written without the hash chain (schema /1), so edits to them cannot be detected.");
            }
        }
        catch (KgException e)
        {
            return (null, [e.Message]);
        }
        if (await store.GetAsync(StateKey(wikibaseId), cancellationToken).ConfigureAwait(false) is not null
            && await TrustedSnapshotAsync(wikibaseId, cancellationToken).ConfigureAwait(false) is null)
        {
            problems.Add($"{wikibaseId}: the snapshot {StateKey(wikibaseId)} does not match the record it claims to cover (edited, or written by an older version); it is ignored and the log is folded instead.");
        }
        return (state, problems);
    }

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
            var (record, bytes, after) = Seal(state, proposal with { Sequence = state.Sequence + 1, At = DateTimeOffset.UtcNow, WikibaseId = wikibaseId });
            var key = RecordKey(wikibaseId, record.Sequence);
            if (await TryAppendAsync(wikibaseId, key, bytes, cancellationToken).ConfigureAwait(false))
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

    /// <summary>The record as it will be stored (chained to the state's head, with the hash of the state after it), its
    /// bytes, and the state after it. The state is computed from the bytes read back, so a reader folds exactly this.</summary>
    private static (RegistryRecord Record, byte[] Bytes, ConceptRegistry After) Seal(ConceptRegistry state, RegistryRecord proposal)
    {
        var chained = proposal with { PreviousSha256 = state.HeadSha256, Chained = true };
        var stateHash = RegistryJson.StateHash(state.Apply(chained));
        var bytes = RegistryJson.Write(chained with { StateSha256 = stateHash });
        var stored = RegistryJson.ReadRecord(bytes, "new record");
        var after = state.Apply(stored) with { HeadSha256 = KgJson.Sha256(bytes) };
        if (RegistryJson.StateHash(after) != stateHash)
        {
            throw new InvalidOperationException("A registry record does not round-trip through its JSON.");
        }
        return (stored, bytes, after);
    }

    /// <summary>A create-only write of a record. When the connection fails, the write may still have happened (a retried
    /// request, or a response lost on the way back): the key is read back, and our own bytes there count as success.</summary>
    private async Task<bool> TryAppendAsync(string wikibaseId, string key, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TryCreateAsync(key, bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (KgException e) when (e.Kind is KgErrorKind.ConnectionError or KgErrorKind.ResourceUnavailable)
        {
            byte[]? there;
            try
            {
                there = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (KgException)
            {
                throw new KgException("ChangeOutcomeUnknown", e.Kind,
                    $"The change may have been applied: the store failed while registry record {key} was being written ({e.Message}). Check with Get-KgClassifierHistory {wikibaseId} -Environment {environment.Name()} before repeating it.",
                    wikibaseId, e);
            }
            if (there is null)
            {
                throw;
            }
            return there.AsSpan().SequenceEqual(bytes);
        }
    }

    /// <summary>The snapshot when the record it covers still hashes to what it names and that record's state hash is the
    /// snapshot's; else null (an edited snapshot is never trusted).</summary>
    private async Task<ConceptRegistry?> TrustedSnapshotAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var snapshot = RegistryJson.ReadState(await store.GetAsync(StateKey(wikibaseId), cancellationToken).ConfigureAwait(false), wikibaseId);
        if (snapshot is null || snapshot.Sequence == 0)
        {
            return snapshot;
        }
        var covered = await store.GetAsync(RecordKey(wikibaseId, snapshot.Sequence), cancellationToken).ConfigureAwait(false);
        if (covered is null || KgJson.Sha256(covered) != snapshot.HeadSha256)
        {
            return null;
        }
        try
        {
            var record = RegistryJson.ReadRecord(covered, RecordKey(wikibaseId, snapshot.Sequence));
            return record.StateSha256 == RegistryJson.StateHash(snapshot) ? snapshot : null;
        }
        catch (KgException)
        {
            return null;
        }
    }

    /// <summary>Folds the records after <paramref name="start"/>, checking each link of the chain and each record's state hash.</summary>
    private async Task<ConceptRegistry> FoldAsync(string wikibaseId, ConceptRegistry start, CancellationToken cancellationToken,
        Action<RegistryRecord>? each = null)
    {
        var after = start.Sequence == 0 ? null : RecordKey(wikibaseId, start.Sequence);
        var keys = await store.ListAsync(RecordsPrefix(wikibaseId), after, cancellationToken).ConfigureAwait(false);
        var state = start;
        var sawChained = start.HeadSha256 is not null;
        foreach (var key in keys.Where(k => k.EndsWith(".json", StringComparison.Ordinal)))
        {
            var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (json is null)
            {
                continue;
            }
            var record = RegistryJson.ReadRecord(json, key);
            if (record.Chained)
            {
                if (record.Sequence > 1 && record.PreviousSha256 != state.HeadSha256)
                {
                    throw Tampered(wikibaseId, key, $"it names {record.PreviousSha256 ?? "no predecessor"} as the record before it, but record {state.Sequence} hashes to {state.HeadSha256 ?? "nothing (it was written without the chain)"}");
                }
                sawChained = true;
            }
            else if (sawChained)
            {
                throw Tampered(wikibaseId, key, "it has no hash chain although an earlier record has one");
            }
            var next = state.Apply(record) with { HeadSha256 = KgJson.Sha256(json) };
            if (record.StateSha256 is { } expected && expected != RegistryJson.StateHash(next))
            {
                throw Tampered(wikibaseId, key, "the state it records does not match its own content");
            }
            each?.Invoke(record);
            state = next;
        }
        return state;
    }

    private KgException Tampered(string wikibaseId, string key, string why) => new("TamperedRegistry", KgErrorKind.InvalidData,
        $"The registry log of {wikibaseId} in {environment.Name()} was changed by hand: record '{key}' does not fit the chain ({why}). Records are never rewritten; restore the store from a backup, or inspect it with Test-KgEnvironment {environment.Name()} -Deep.",
        wikibaseId);

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
