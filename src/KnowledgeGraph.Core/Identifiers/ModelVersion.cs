using System.Globalization;

namespace KnowledgeGraph.Identifiers;

/// <summary>A version label <c>vN</c> (N a non-negative integer, ASCII digits). Used both for model versions in a store
/// and for registry versions; the two number spaces are independent, as in the original system.</summary>
public readonly struct ModelVersion : IEquatable<ModelVersion>, IComparable<ModelVersion>, IComparable
{
    public ModelVersion(int number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        Number = number;
    }

    public int Number { get; }

    public ModelVersion Next() => new(Number + 1);

    public static bool TryParse(string? value, out ModelVersion version)
    {
        version = default;
        // One spelling per version: no leading zeros (v01 is not v1), as the original's W&B labels.
        if (value is null || value.Length < 2 || value.Length > 11 || value[0] != 'v' || (value.Length > 2 && value[1] == '0'))
        {
            return false;
        }
        for (var i = 1; i < value.Length; i++)
        {
            if (value[i] is < '0' or > '9')
            {
                return false;
            }
        }
        if (!int.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        version = new ModelVersion(n);
        return true;
    }

    /// <summary>Parses "vN" (also what PowerShell uses to convert text, as in <c>[ModelVersion]'v3'</c> or
    /// <c>Where-Object Version -eq v3</c>).</summary>
    public static ModelVersion Parse(string? value) => Parse(value, "version");

    public static ModelVersion Parse(string? value, string what)
    {
        if (string.Equals(value, "latest", StringComparison.OrdinalIgnoreCase))
        {
            throw new KgException("InvalidVersion", KgErrorKind.InvalidArgument,
                $"'latest' is not accepted as a {what}: name the version, such as v3, or leave the parameter out to use the newest one.", value);
        }
        if (!TryParse(value, out var v))
        {
            throw new KgException("InvalidVersion", KgErrorKind.InvalidArgument,
                $"'{WikibaseId.Printable(value)}' is not a valid {what}. A {what} is 'v' followed by a number without leading zeros, such as v3.", value);
        }
        return v;
    }

    public int CompareTo(ModelVersion other) => Number.CompareTo(other.Number);
    public int CompareTo(object? obj) => obj is ModelVersion v ? CompareTo(v) : 1;
    public bool Equals(ModelVersion other) => Number == other.Number;
    public override bool Equals(object? obj) => obj is ModelVersion v && Equals(v);
    public override int GetHashCode() => Number;
    public override string ToString() => "v" + Number.ToString(CultureInfo.InvariantCulture);
    public static bool operator ==(ModelVersion a, ModelVersion b) => a.Equals(b);
    public static bool operator !=(ModelVersion a, ModelVersion b) => !a.Equals(b);
    public static bool operator <(ModelVersion a, ModelVersion b) => a.Number < b.Number;
    public static bool operator >(ModelVersion a, ModelVersion b) => a.Number > b.Number;
    public static bool operator <=(ModelVersion a, ModelVersion b) => a.Number <= b.Number;
    public static bool operator >=(ModelVersion a, ModelVersion b) => a.Number >= b.Number;
}
