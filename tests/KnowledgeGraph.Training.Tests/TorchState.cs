using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The test classes that train with TorchSharp share one collection, so xunit never runs them at the same time:
/// the seed and the thread count they set (<c>Devices.Prepare</c>) are global to the process, and two trainings at once
/// drew from each other's random numbers (the same seed then gave another model, under load).</summary>
[CollectionDefinition(Collection)]
public sealed class TorchState
{
    public const string Collection = "TorchSharp's process-wide random state";
}
