using KnowledgeGraph.Encoders;

namespace KnowledgeGraph.PowerShell;

/// <summary>What the encoder cmdlets share: the encoders a -Name selects and where this module and its worker look for
/// them ($env:KG_ENCODER_PATH, the module's encoders folder, the user's).</summary>
public abstract class EncoderCmdlet : KgCmdlet
{
    /// <summary>The module's folder: the worker (in worker/ below it) looks in its encoders folder too.</summary>
    protected static string ModuleBase => Path.GetDirectoryName(typeof(EncoderCmdlet).Assembly.Location)!;

    protected static IReadOnlyList<string> SearchPath => EncoderLocator.SearchPath(ModuleBase);

    protected static IEnumerable<PretrainedEncoder> Selected(string[]? names) =>
        names is null ? PretrainedEncoders.All : names.Select(PretrainedEncoders.Get);
}
