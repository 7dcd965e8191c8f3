namespace KnowledgeGraph.Corpus;

/// <summary>The k items with the smallest 64-bit keys seen so far (an item whose key was already seen is ignored): a
/// uniform random sample of size k when the keys are hashes, in memory proportional to k, whatever the input's order.</summary>
internal sealed class BottomK<T>(int k)
{
    private readonly PriorityQueue<T, ulong> _heap = new(Comparer<ulong>.Create((a, b) => b.CompareTo(a)));
    private readonly HashSet<ulong> _keys = [];

    public void Offer(ulong key, T item)
    {
        if (k <= 0 || _keys.Contains(key))
        {
            return;
        }
        if (_heap.Count < k)
        {
            _heap.Enqueue(item, key);
            _keys.Add(key);
            return;
        }
        _heap.TryPeek(out _, out var largest);
        if (key < largest)
        {
            _heap.DequeueEnqueue(item, key);
            _keys.Remove(largest);
            _keys.Add(key);
        }
    }

    /// <summary>The <paramref name="n"/> items with the smallest keys, smallest first.</summary>
    public IReadOnlyList<T> Smallest(int n) => _heap.UnorderedItems.OrderBy(x => x.Priority).Take(n).Select(x => x.Element).ToArray();
}
