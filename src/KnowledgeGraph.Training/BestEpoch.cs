using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>Early stopping for the learned types' training loops: records each epoch, keeps a copy of the weights of
/// the best epoch (the first to reach the highest validation score above 0: validation F1 takes few distinct values,
/// and later epochs that only tie are more overfitted), and says when to stop (no improvement for
/// <paramref name="patience"/> epochs, once <paramref name="minEpochs"/> have run). When no epoch scores above 0, the
/// last epoch's weights stay.</summary>
internal sealed class BestEpoch(nn.Module net, int maxEpochs, int minEpochs, int patience, Action<EpochReport>? progress) : IDisposable
{
    private Dictionary<string, Tensor>? _weights;

    public List<EpochReport> Epochs { get; } = [];
    public double Score { get; private set; }
    /// <summary>The best epoch, or the last when none scored above 0.</summary>
    public int Epoch => _weights is null ? Epochs.Count : _epoch;
    private int _epoch;

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
            TrainingSchedule.Dispose(_weights);
            _weights = TrainingSchedule.Snapshot(net);
            return false;
        }
        return epoch >= minEpochs && epoch - _epoch >= patience;
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
        TrainingSchedule.Dispose(_weights);
        _weights = null;
    }
}
