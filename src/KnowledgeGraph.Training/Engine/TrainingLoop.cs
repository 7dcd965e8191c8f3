using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>The optimisation recipe shared by the learned types (the original's, original-models.md §7.2): AdamW with
/// weight decay, a linear warm-up then cosine decay of the learning rate (TorchSharp's lr_scheduler), gradient clipping at
/// norm 1.0, early stopping on a validation score keeping the best epoch's weights.</summary>
public sealed record LoopSettings
{
    public required double LearningRate { get; init; }
    public required double WeightDecay { get; init; }
    public required double WarmupFraction { get; init; }
    public required int MaxEpochs { get; init; }
    /// <summary>At least this many optimiser steps: small data sets get more (short) epochs, so they learn too.</summary>
    public required int MinSteps { get; init; }
    public required int Patience { get; init; }
    public required int BatchSize { get; init; }
    /// <summary>Corpus negatives in each epoch (a fresh draw each time from the negatives, and the hard negatives once mined).</summary>
    public int NegativesPerEpoch { get; init; }
    /// <summary>When to search the mining pool for hard negatives, as a fraction of the epochs (0: never).</summary>
    public double MineAt { get; init; }
    /// <summary>How many times each labelled example is in an epoch when corpus negatives are drawn too (so that the
    /// negatives do not crowd out what the labels teach).</summary>
    public int LabelledRepeat { get; init; } = 1;

    /// <summary>How many epochs to run at most (enough for MinSteps optimiser steps, at least MaxEpochs, capped at 400),
    /// and the first epoch at which early stopping may stop (a quarter in).</summary>
    public (int Max, int MinBeforeStopping) Epochs(int batchesPerEpoch)
    {
        var max = Math.Min(400, Math.Max(MaxEpochs, (MinSteps + batchesPerEpoch - 1) / Math.Max(1, batchesPerEpoch)));
        return (max, Math.Max(1, max / 4));
    }

    /// <summary>The original's batch size: min(32, max(8, n/10)).</summary>
    public static int DefaultBatchSize(int examples) => Math.Min(32, Math.Max(8, examples / 10));
}

/// <summary>What a run of <see cref="TrainingLoop{TExample}"/> did.</summary>
internal sealed record LoopResult(IReadOnlyList<EpochReport> Epochs, int BestEpoch, double BestScore, int HardNegatives, IReadOnlyList<string> HardNegativeExamples);

/// <summary>The training loop of every learned type: epochs of batches of the fixed (labelled) examples plus a fresh draw
/// of corpus negatives, an optional search for hard negatives part-way (after which only later epochs can be the best
/// one), early stopping and the best epoch's weights restored. A type supplies how a batch becomes a loss, how to
/// validate, and how to mine.</summary>
internal sealed class TrainingLoop<TExample>
{
    public required nn.Module Network { get; init; }
    public required LoopSettings Settings { get; init; }
    /// <summary>The loss of a batch (the forward pass and the criterion), inside a dispose scope.</summary>
    public required Func<IReadOnlyList<TExample>, Tensor> Loss { get; init; }
    /// <summary>The validation score after an epoch (higher is better).</summary>
    public required Func<double> Validate { get; init; }
    /// <summary>The order of an epoch's examples in batches; shuffled chunks by default.</summary>
    public Func<IReadOnlyList<TExample>, int, Random, IEnumerable<int[]>>? Batches { get; init; }
    /// <summary>Finds hard negatives with the model as it is: their examples and texts.</summary>
    public Func<(IReadOnlyList<TExample> Examples, IReadOnlyList<string> Texts)>? Mine { get; init; }
    public Action<EpochReport>? Progress { get; init; }

    public LoopResult Run(IReadOnlyList<TExample> fixedExamples, IReadOnlyList<TExample> negatives, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var perEpoch = negatives.Count == 0 ? 0 : Math.Min(negatives.Count, Math.Max(1, Settings.NegativesPerEpoch));
        var repeat = perEpoch == 0 ? 1 : Math.Max(1, Settings.LabelledRepeat);
        var examplesPerEpoch = fixedExamples.Count * repeat + perEpoch;
        var batchesPerEpoch = (examplesPerEpoch + Settings.BatchSize - 1) / Settings.BatchSize;
        var (maxEpochs, minEpochs) = Settings.Epochs(batchesPerEpoch);
        var mineEpoch = Mine is not null && Settings.MineAt > 0 && maxEpochs >= 2 ? Math.Max(1, (int)Math.Round(maxEpochs * Settings.MineAt)) : 0;
        var totalSteps = Math.Max(1, batchesPerEpoch * maxEpochs);
        var warmup = Math.Max(1, (int)(totalSteps * Settings.WarmupFraction));

        using var optimizer = optim.AdamW(Network.parameters(), lr: Settings.LearningRate, weight_decay: Settings.WeightDecay);
        var schedule = optim.lr_scheduler.SequentialLR(optimizer,
            [
                optim.lr_scheduler.LinearLR(optimizer, start_factor: 1.0 / warmup, end_factor: 1.0, total_iters: warmup),
                optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max: Math.Max(1, totalSteps - warmup)),
            ],
            [warmup]);
        var draw = new NegativeDraw<TExample>(negatives, random);
        using var best = new BestEpoch(Network, maxEpochs, minEpochs, Settings.Patience, Progress);
        IReadOnlyList<string> hardTexts = [];
        for (var epoch = 1; epoch <= maxEpochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            Network.train();
            var epochExamples = Enumerable.Repeat(fixedExamples, repeat).SelectMany(x => x).Concat(draw.Next(perEpoch)).ToList();
            var order = Batches ?? ShuffledChunks;
            var totalLoss = 0.0;
            foreach (var members in order(epochExamples, Settings.BatchSize, random))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = Loss(members.Select(i => epochExamples[i]).ToArray());
                loss.backward();
                nn.utils.clip_grad_norm_(Network.parameters(), 1.0);
                optimizer.step();
                schedule.step();
                totalLoss += loss.item<float>() * members.Length;
            }
            Network.eval();
            var score = Validate();
            var stop = best.End(epoch, totalLoss / Math.Max(1, epochExamples.Count), score, clock.Elapsed);
            if (epoch == mineEpoch)
            {
                // The model knows the concept now; the corpus passages it likes most without being mentions are what
                // it must learn it is not. Only the epochs after this can be the best one.
                var (examples, texts) = Mine!();
                draw.AddHard(examples);
                hardTexts = texts;
                best.Restart(epoch, $"{examples.Count} hard negatives found in the corpus");
                continue;
            }
            if (stop)
            {
                break;
            }
        }
        best.Restore();
        Network.eval();
        return new LoopResult(best.Epochs, best.Epoch, best.Score, draw.HardCount, hardTexts.Take(10).Select(t => t.Length > 120 ? t[..120] + "…" : t).ToArray());
    }

    private static IEnumerable<int[]> ShuffledChunks(IReadOnlyList<TExample> examples, int batchSize, Random random) =>
        Enumerable.Range(0, examples.Count).OrderBy(_ => random.Next()).Chunk(batchSize).ToList();

    /// <summary>Per epoch, a draw of corpus negatives without repeats until each has been used: from the random negatives
    /// only, then (once hard negatives are known) half from each.</summary>
    private sealed class NegativeDraw<T>(IReadOnlyList<T> negatives, Random random)
    {
        private readonly Queue<T> _random = new();
        private readonly Queue<T> _hard = new();
        private readonly List<T> _hardAll = [];

        public int HardCount => _hardAll.Count;

        public void AddHard(IReadOnlyList<T> hard) => _hardAll.AddRange(hard);

        public IEnumerable<T> Next(int count)
        {
            if (count == 0) yield break;
            var fromHard = _hardAll.Count == 0 ? 0 : Math.Min(_hardAll.Count, count / 2);
            for (var i = 0; i < fromHard; i++) yield return Take(_hard, _hardAll);
            for (var i = fromHard; i < count; i++) yield return Take(_random, negatives);
        }

        private T Take(Queue<T> queue, IReadOnlyList<T> all)
        {
            if (queue.Count == 0)
            {
                foreach (var x in all.OrderBy(_ => random.Next())) queue.Enqueue(x);
            }
            return queue.Dequeue();
        }
    }
}

/// <summary>sklearn's "balanced" class weights n / (classes · count), over the classes seen; unseen classes weigh 1.</summary>
internal static class ClassWeights
{
    public static float[] Balanced(IEnumerable<int> labels, int classes)
    {
        var counts = new long[classes];
        var n = 0L;
        foreach (var l in labels)
        {
            counts[l]++;
            n++;
        }
        var present = counts.Count(c => c > 0);
        return counts.Select(c => c == 0 ? 1f : (float)(n / (double)(present * c))).ToArray();
    }
}
