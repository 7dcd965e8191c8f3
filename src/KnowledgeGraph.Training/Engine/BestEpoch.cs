using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>Early stopping for the training loop: records each epoch, keeps a copy of the weights of the best epoch
/// (the first to reach the highest validation score above 0: validation F1 takes few distinct values, and later epochs
/// that only tie are more overfitted), and says when to stop (no improvement for <paramref name="patience"/> epochs,
/// once <paramref name="minEpochs"/> have run). When no epoch scores above 0, the last epoch's weights stay.
/// <see cref="Restart"/> begins a new phase (after hard negatives are added): only its epochs can be best.</summary>
internal sealed class BestEpoch(nn.Module net, int maxEpochs, int minEpochs, int patience, Action<EpochReport>? progress) : IDisposable
{
    private Dictionary<string, Tensor>? _weights;
    private int _epoch;
    private int _phaseStart;

    public List<EpochReport> Epochs { get; } = [];
    public double Score { get; private set; }
    /// <summary>The best epoch, or the last when none scored above 0.</summary>
    public int Epoch => _weights is null ? Epochs.Count : _epoch;

    /// <summary>Records an epoch and reports it; true when training should stop.</summary>
    public bool End(int epoch, double meanLoss, double score, TimeSpan elapsed)
    {
        using (var process = Process.GetCurrentProcess())
        {
            var report = new EpochReport(epoch, maxEpochs, meanLoss, score, elapsed.TotalSeconds, process.WorkingSet64);
            Epochs.Add(report);
            progress?.Invoke(report);
        }
        if (score > Score)
        {
            (Score, _epoch) = (score, epoch);
            Dispose();
            _weights = Snapshot(net);
            return false;
        }
        return epoch - _phaseStart >= minEpochs && epoch - Math.Max(_epoch, _phaseStart) >= patience;
    }

    /// <summary>Forgets the best epoch so far: the epochs after <paramref name="epoch"/> are a new phase, which
    /// <paramref name="phase"/> describes (recorded on the epoch, and reported).</summary>
    public void Restart(int epoch, string phase)
    {
        if (Epochs.Count > 0)
        {
            Epochs[^1] = Epochs[^1] with { Phase = phase };
            progress?.Invoke(Epochs[^1]);
        }
        Dispose();
        (Score, _epoch, _phaseStart) = (0, epoch, epoch);
    }

    /// <summary>Loads the best epoch's weights back into the module (when an epoch scored above 0).</summary>
    public void Restore()
    {
        if (_weights is not null)
        {
            net.load_state_dict(_weights);
        }
    }

    public void Dispose()
    {
        foreach (var t in _weights?.Values ?? Enumerable.Empty<Tensor>())
        {
            t.Dispose();
        }
        _weights = null;
    }

    /// <summary>A copy of the module's weights. Every intermediate tensor is disposed, so taking a snapshot each epoch
    /// leaks nothing.</summary>
    private static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
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
}
