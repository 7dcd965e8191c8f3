using System.Text;
using System.Text.RegularExpressions;

namespace KnowledgeGraph.Specs;

/// <summary>Reads spec YAML into <see cref="ClassifierSpec"/>s. Implemented outside the core (it needs a YAML parser);
/// a malformed document is an <c>InvalidSpecYaml</c> error; unknown keys are ignored, as in the original.</summary>
public interface IClassifierSpecParser
{
    IReadOnlyList<ClassifierSpec> Parse(string yaml, string source);
}

/// <summary>Writes spec files byte for byte as the original (PyYAML <c>dump(explicit_start=True, sort_keys=False)</c>)
/// did: <c>---</c>, a block sequence of mappings with <c>wikibase_id</c> first, nested sequences not indented,
/// and <c>--- []</c> for an empty file.</summary>
public static partial class ClassifierSpecYaml
{
    public static string Format(IEnumerable<ClassifierSpec> specs)
    {
        var list = specs.ToList();
        if (list.Count == 0)
        {
            return "--- []\n";
        }
        var sb = new StringBuilder("---\n");
        foreach (var spec in list)
        {
            var first = true;
            void Key(string key, string value)
            {
                sb.Append(first ? "- " : "  ").Append(key).Append(": ").Append(value).Append('\n');
                first = false;
            }
            Key("wikibase_id", Scalar(Required(spec.WikibaseId, "wikibase_id", spec)));
            if (spec.ConceptId is not null) Key("concept_id", Scalar(spec.ConceptId));
            Key("classifier_id", Scalar(Required(spec.ClassifierId, "classifier_id", spec)));
            if (spec.ClassifiersProfile is not null) Key("classifiers_profile", Scalar(spec.ClassifiersProfile));
            Key("wandb_registry_version", Scalar(Required(spec.RegistryVersion, "wandb_registry_version", spec)));
            if (spec.RequireGpu is { } gpu)
            {
                sb.Append("  compute_environment:\n    gpu: ").Append(gpu ? "true" : "false").Append('\n');
            }
            if (spec.DontRunOn is { } sources)
            {
                if (sources.Count == 0)
                {
                    sb.Append("  dont_run_on: []\n");
                }
                else
                {
                    sb.Append("  dont_run_on:\n");
                    foreach (var s in sources)
                    {
                        sb.Append("  - ").Append(Scalar(s)).Append('\n');
                    }
                }
            }
        }
        return sb.ToString();
    }

    private static string Required(string? value, string key, ClassifierSpec spec) =>
        value ?? throw new KgException("InvalidSpec", KgErrorKind.InvalidData, $"Spec entry {spec} has no {key}.", spec);

    /// <summary>A plain scalar where PyYAML would write one, else single-quoted: strings that YAML 1.1 would read as
    /// a number, boolean, null or timestamp, and anything with special characters, are quoted.</summary>
    public static string Scalar(string value)
    {
        if (value.Length > 0 && PlainSafe().IsMatch(value) && !ImplicitlyTyped().IsMatch(value))
        {
            return value;
        }
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.+/-]*\z")]
    private static partial Regex PlainSafe();

    // PyYAML's implicit resolvers for bool, null, int, float and timestamp (YAML 1.1).
    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
        + @"|~|null|Null|NULL"
        + @"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
        + @"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        + @"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*)\z")]
    private static partial Regex ImplicitlyTyped();
}
