using System.Globalization;

namespace KnowledgeGraph.Identifiers;

/// <summary>Python's <c>str()</c> of the values the original system hashes into identifiers:
/// strings as they are, <c>None</c>, <c>True</c>/<c>False</c>, integers in decimal and floats as Python's
/// shortest round-trip <c>repr</c> (<c>0.5</c>, <c>1e-05</c>, <c>1e+16</c>, <c>inf</c>).</summary>
public static class PythonStr
{
    public static string Of(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        double d => Float(d),
        float f => Float(f),
        decimal m => Float((double)m),
        sbyte or byte or short or ushort or int or uint or long or ulong or System.Numerics.BigInteger
            => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        WikibaseId id => id.Value,
        _ => throw new ArgumentException($"Python str() is not defined here for values of type {value.GetType().Name}.", nameof(value)),
    };

    /// <summary>Python's <c>float.__repr__</c>: the shortest digits that round-trip, in fixed notation when the
    /// decimal exponent is in [-4, 16), otherwise scientific with a signed, at least two-digit exponent.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // "R"/default formatting of .NET Core 3.0+ is the shortest round-trippable representation; take its
        // digits and exponent apart and lay them out the way Python does.
        var negative = value < 0;
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);

        string mantissa;
        int exponent;
        var eIndex = shortest.IndexOfAny(['E', 'e']);
        if (eIndex >= 0)
        {
            mantissa = shortest[..eIndex];
            exponent = int.Parse(shortest[(eIndex + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            mantissa = shortest;
            exponent = 0;
        }
        var dot = mantissa.IndexOf('.');
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : string.Empty;
        var digits = (intPart + fracPart).TrimStart('0');
        // decimal exponent of the first significant digit
        var leadingZerosInFrac = intPart.Trim('0').Length == 0 ? fracPart.Length - fracPart.TrimStart('0').Length : 0;
        var pointPos = intPart.Trim('0').Length > 0 ? intPart.TrimStart('0').Length : -leadingZerosInFrac;
        var decExp = pointPos - 1 + exponent; // value = 0.d1d2... * 10^(pointPos+exponent)
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        string body;
        if (decExp >= -4 && decExp < 16)
        {
            var pos = decExp + 1; // digits before the point
            if (pos <= 0)
            {
                body = "0." + new string('0', -pos) + digits;
            }
            else if (pos >= digits.Length)
            {
                body = digits + new string('0', pos - digits.Length) + ".0";
            }
            else
            {
                body = digits[..pos] + "." + digits[pos..];
            }
        }
        else
        {
            var m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            body = m + "e" + (decExp < 0 ? "-" : "+") + Math.Abs(decExp).ToString("00", CultureInfo.InvariantCulture);
        }
        return negative ? "-" + body : body;
    }
}
