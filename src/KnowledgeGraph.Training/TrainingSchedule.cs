using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>The optimisation recipe shared by the learned types (the original's, from original-models.md §7.2):
/// AdamW with weight decay, a cosine learning-rate schedule after a linear warm-up, gradient clipping at norm 1.0,
/// batch size min(32, max(8, n/10)), and "balanced" class weights.</summary>
public sealed class TrainingSchedule(optim.Optimizer optimizer, double learningRate, long totalSteps, double warmupFraction)
{
    private long _step;

    public double CurrentLearningRate { get; private set; }

    public static int BatchSize(int trainingPassages) => Math.Min(32, Math.Max(8, trainingPassages / 10));

    /// <summary>How many epochs to run at most (enough for <paramref name="minSteps"/> optimiser steps, and at least
    /// <paramref name="maxEpochs"/>, capped at 400), and the first epoch at which early stopping may stop (a quarter in).</summary>
    public static (int Max, int MinBeforeStopping) Epochs(int maxEpochs, int minSteps, int batchesPerEpoch)
    {
        var max = Math.Min(400, Math.Max(maxEpochs, (minSteps + batchesPerEpoch - 1) / Math.Max(1, batchesPerEpoch)));
        return (max, Math.Max(1, max / 4));
    }

    /// <summary>Sets the learning rate of this step (warm-up, then cosine decay to zero).</summary>
    public void Advance()
    {
        var warmup = Math.Max(1, (long)(totalSteps * warmupFraction));
        CurrentLearningRate = _step < warmup
            ? learningRate * (_step + 1) / warmup
            : learningRate * 0.5 * (1 + Math.Cos(Math.PI * (_step - warmup) / Math.Max(1, totalSteps - warmup)));
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = CurrentLearningRate;
        }
        _step++;
    }

    /// <summary>sklearn's "balanced" weights n / (classes · count), over the classes seen; unseen classes weigh 1.</summary>
    public static float[] BalancedWeights(IEnumerable<int> labels, int classes)
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

    public static void ClipGradients(nn.Module module) => nn.utils.clip_grad_norm_(module.parameters(), 1.0);

    /// <summary>A copy of the module's weights (to keep the best epoch's). Every intermediate tensor is disposed, so
    /// taking a snapshot each epoch leaks nothing.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        var copy = new Dictionary<string, Tensor>();
        using (no_grad())
        {
            foreach (var (name, value) in module.state_dict())
            {
                using var detached = value.detach();
                copy[name] = detached.clone();
            }
        }
        return copy;
    }

    public static void Dispose(Dictionary<string, Tensor>? tensors)
    {
        foreach (var t in tensors?.Values ?? Enumerable.Empty<Tensor>())
        {
            t.Dispose();
        }
    }
}
