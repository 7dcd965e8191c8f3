namespace KnowledgeGraph.Storage;

/// <summary>The rule every object key follows on every store: '/'-separated segments, none empty, "." or "..", and no
/// control characters, so that a key can never reach outside the store's folder or bucket prefix.</summary>
public static class StoreKeys
{
    public static bool IsValid(string? key) =>
        !string.IsNullOrEmpty(key) && !key.StartsWith('/') && !key.Any(char.IsControl) && !key.Contains('\\')
        && key.Split('/').All(p => p is not ("" or "." or ".."));

    public static void Check(string? key)
    {
        if (!IsValid(key))
        {
            throw new KgException("InvalidObjectKey", KgErrorKind.InvalidArgument,
                $"'{Identifiers.WikibaseId.Printable(key)}' is not a valid object key: keys are '/'-separated names, none of them empty, '.' or '..'.", key);
        }
    }
}
