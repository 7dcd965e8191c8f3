using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.Inference;

/// <summary>Reads inference results back (Get-KgInferenceResult): the aggregated file of each document, one row per
/// concept found. Only documents whose ID <paramref name="documents"/> accepts are read.</summary>
public static class InferenceResultReader
{
    public static async Task<IReadOnlyList<InferenceResult>> ReadAsync(IInferenceOutput output, Func<string, bool> documents,
        IReadOnlyCollection<string>? wikibaseIds, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var keys = (await output.ListAsync(InferenceLayout.AggregatedPrefix, cancellationToken).ConfigureAwait(false))
            .Select(k => (Key: k, Id: InferenceLayout.DocumentIdOf(k)))
            .Where(k => k.Id is not null && documents(k.Id))
            .ToArray();
        var read = 0;
        var rows = await ParallelWork.MapAsync(keys, Math.Max(2, output.Parallelism), async (k, ct) =>
        {
            var json = await output.ReadAsync(k.Key, ct).ConfigureAwait(false);
            var n = Interlocked.Increment(ref read);
            if (n % 100 == 0 || n == keys.Length)
            {
                progress?.Report(WorkProgress.Step("Reading inference results", n, keys.Length, $"{n:N0} of {keys.Length:N0} documents"));
            }
            if (json is null)
            {
                return [];
            }
            var document = AggregatedDocument.Read(json)
                ?? throw new KgException("CorruptInferenceResult", KgErrorKind.InvalidData,
                    $"'{k.Key}' in {output.Location} is not an aggregated inference result; run Invoke-KgInference on the document again (with -Force).", k.Key);
            return Rows(document, wikibaseIds);
        }, cancellationToken).ConfigureAwait(false);
        return rows.SelectMany(r => r).ToArray();
    }

    private static IReadOnlyList<InferenceResult> Rows(AggregatedDocument document, IReadOnlyCollection<string>? wikibaseIds)
    {
        var id = document.Header.DocumentId;
        var source = DocumentSource.Of(id);
        return document.TextBlocks
            .SelectMany(b => b.Value.Select(m => (Block: b.Key, Mention: m)))
            .Where(x => wikibaseIds is null || wikibaseIds.Contains(x.Mention.WikibaseId))
            .Select(x => new InferenceResult
            {
                DocumentId = id,
                TextBlockId = x.Block,
                WikibaseId = x.Mention.WikibaseId,
                ConceptName = x.Mention.Name,
                ClassifierId = x.Mention.ClassifierId,
                RegistryVersion = x.Mention.RegistryVersion,
                Start = x.Mention.Start,
                End = x.Mention.End,
                LabelledText = x.Mention.LabelledText,
                Model = x.Mention.Model,
                Timestamp = x.Mention.Timestamp,
                Probability = x.Mention.Probability,
                Source = source,
            })
            .ToArray();
    }
}
