namespace KnowledgeGraph;

/// <summary>A progress report (or message) from long-running core work, for the cmdlet to show.</summary>
public sealed record WorkProgress
{
    public string? Status { get; init; }
    public string? Detail { get; init; }
    public long Done { get; init; }
    public long? Total { get; init; }
    /// <summary>A verbose message instead of a progress update.</summary>
    public string? Verbose { get; init; }
    /// <summary>A warning instead of a progress update.</summary>
    public string? Warning { get; init; }

    public static WorkProgress Step(string status, long done, long? total = null, string? detail = null) =>
        new() { Status = status, Done = done, Total = total, Detail = detail };

    public static WorkProgress Message(string verbose) => new() { Verbose = verbose };
    public static WorkProgress Warn(string warning) => new() { Warning = warning };
}
