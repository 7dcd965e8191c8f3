namespace KnowledgeGraph.Identifiers;

/// <summary>A Wikibase item ID such as <c>Q787</c>: <c>Q</c>, then a positive decimal number in ASCII digits with no
/// leading zero, and nothing after it (not even a newline). Equality is by value; ordering is numeric (Q2 &lt; Q10).</summary>
public readonly struct WikibaseId : IEquatable<WikibaseId>, IComparable<WikibaseId>, IComparable
{
    private readonly string? _value;

    private WikibaseId(string value) => _value = value;

    public string Value => _value ?? throw new InvalidOperationException("Uninitialised WikibaseId.");

    /// <summary>The number after the Q. IDs longer than 18 digits are valid but have no <see cref="long"/> value.</summary>
    public long Number => long.Parse(Value.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsValid(string? value)
    {
        if (value is null || value.Length < 2 || value.Length > 19 || value[0] != 'Q' || value[1] is < '1' or > '9')
        {
            return false;
        }
        for (var i = 2; i < value.Length; i++)
        {
            if (value[i] is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }

    public static WikibaseId Parse(string? value)
    {
        if (!IsValid(value))
        {
            throw new KgException("InvalidWikibaseId", KgErrorKind.InvalidArgument,
                $"'{Printable(value)}' is not a valid Wikibase ID. A Wikibase ID is Q followed by a number without leading zeros, such as Q787.",
                value);
        }
        return new WikibaseId(value!);
    }

    public static bool TryParse(string? value, out WikibaseId id)
    {
        id = IsValid(value) ? new WikibaseId(value!) : default;
        return id._value is not null;
    }

    /// <summary>Shows control characters (a trailing newline, a tab) visibly in error messages.</summary>
    public static string Printable(string? value) => value is null
        ? "<null>"
        : value.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    public int CompareTo(WikibaseId other)
    {
        var a = Value;
        var b = other.Value;
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
    }

    public int CompareTo(object? obj) => obj is WikibaseId other ? CompareTo(other) : 1;
    public bool Equals(WikibaseId other) => string.Equals(_value, other._value, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is WikibaseId other && Equals(other);
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);
    public override string ToString() => _value ?? string.Empty;
    public static bool operator ==(WikibaseId a, WikibaseId b) => a.Equals(b);
    public static bool operator !=(WikibaseId a, WikibaseId b) => !a.Equals(b);
    public static bool operator <(WikibaseId a, WikibaseId b) => a.CompareTo(b) < 0;
    public static bool operator >(WikibaseId a, WikibaseId b) => a.CompareTo(b) > 0;
    public static bool operator <=(WikibaseId a, WikibaseId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(WikibaseId a, WikibaseId b) => a.CompareTo(b) >= 0;

    /// <summary>Orders Wikibase ID strings numerically; invalid strings sort after valid ones, ordinally.</summary>
    public static readonly IComparer<string?> NumericStringComparer = Comparer<string?>.Create((x, y) =>
    {
        var vx = IsValid(x);
        var vy = IsValid(y);
        if (vx && vy)
        {
            return x!.Length != y!.Length ? x.Length.CompareTo(y.Length) : string.CompareOrdinal(x, y);
        }
        return vx != vy ? (vx ? -1 : 1) : string.CompareOrdinal(x, y);
    });
}
