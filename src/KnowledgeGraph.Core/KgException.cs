namespace KnowledgeGraph;

/// <summary>What kind of failure a <see cref="KgException"/> is. The PowerShell layer maps these onto
/// <c>System.Management.Automation.ErrorCategory</c>; the core stays free of PowerShell.</summary>
public enum KgErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    InvalidOperation,
    ResourceExists,
    PermissionDenied,
    AuthenticationError,
    ConnectionError,
    ReadError,
    WriteError,
    NotInstalled,
    NotImplemented,
    OperationStopped,
    ResourceUnavailable,
    LimitsExceeded,
}

/// <summary>Every expected failure of the module: a stable <see cref="ErrorId"/> that scripts can match on,
/// a kind, a message that names the bad value and what would be valid, and optionally the object concerned.</summary>
public class KgException : Exception
{
    public KgException(string errorId, KgErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public KgErrorKind Kind { get; }
    public object? Target { get; }
}
