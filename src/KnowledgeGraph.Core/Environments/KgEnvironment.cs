namespace KnowledgeGraph.Environments;

/// <summary>The four deployment environments, in the original system's order.</summary>
public enum KgEnvironment
{
    Labs,
    Sandbox,
    Staging,
    Production,
}

/// <summary>Which spelling of an environment a purpose uses. The original system mixed the two
/// (<c>production</c> vs <c>prod</c>) ad hoc; here every purpose is listed once, in <see cref="EnvironmentNames.Usage"/>.</summary>
public enum EnvironmentSpelling
{
    /// <summary>labs, sandbox, staging, production</summary>
    Name,
    /// <summary>labs, sandbox, staging, prod</summary>
    Value,
}

/// <summary>Everything that needs an environment as text, each with the spelling it uses.</summary>
public enum EnvironmentUse
{
    /// <summary>How the module shows and stores an environment (output objects, settings, store folders).</summary>
    Display,
    /// <summary>The spec file <c>classifier_specs/v2/&lt;name&gt;.yaml</c>.</summary>
    SpecFile,
    /// <summary>Model metadata <c>aws_env</c> and registry records (the original's W&amp;B metadata and tags).</summary>
    ModelMetadata,
    /// <summary>The <c>{value}</c> placeholder of a bucket naming pattern such as <c>cpr-{value}-models</c>.</summary>
    BucketName,
    /// <summary>The AWS profile the original system looked up for an environment.</summary>
    AwsProfile,
    /// <summary>Environment variables such as <c>KG_STORE_PRODUCTION</c> (upper-cased).</summary>
    EnvironmentVariable,
}

public static class EnvironmentNames
{
    /// <summary>The single table of which spelling each purpose uses.</summary>
    public static readonly IReadOnlyDictionary<EnvironmentUse, EnvironmentSpelling> Usage =
        new Dictionary<EnvironmentUse, EnvironmentSpelling>
        {
            [EnvironmentUse.Display] = EnvironmentSpelling.Name,
            [EnvironmentUse.SpecFile] = EnvironmentSpelling.Name,
            [EnvironmentUse.ModelMetadata] = EnvironmentSpelling.Name,
            [EnvironmentUse.BucketName] = EnvironmentSpelling.Value,
            [EnvironmentUse.AwsProfile] = EnvironmentSpelling.Value,
            [EnvironmentUse.EnvironmentVariable] = EnvironmentSpelling.Name,
        };

    public static readonly IReadOnlyList<KgEnvironment> All =
        [KgEnvironment.Labs, KgEnvironment.Sandbox, KgEnvironment.Staging, KgEnvironment.Production];

    private static readonly Dictionary<string, KgEnvironment> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["labs"] = KgEnvironment.Labs,
        ["sandbox"] = KgEnvironment.Sandbox,
        ["staging"] = KgEnvironment.Staging,
        ["dev"] = KgEnvironment.Staging,
        ["production"] = KgEnvironment.Production,
        ["prod"] = KgEnvironment.Production,
    };

    /// <summary>The accepted spellings, for completion and help: names first, then aliases.</summary>
    public static readonly IReadOnlyList<string> AcceptedSpellings = ["labs", "sandbox", "staging", "production", "prod", "dev"];

    public const string ValidList = "labs, sandbox, staging, production (aliases: prod for production, dev for staging; any case)";

    public static string Name(this KgEnvironment env) => env switch
    {
        KgEnvironment.Labs => "labs",
        KgEnvironment.Sandbox => "sandbox",
        KgEnvironment.Staging => "staging",
        KgEnvironment.Production => "production",
        _ => throw new ArgumentOutOfRangeException(nameof(env), env, null),
    };

    public static string Value(this KgEnvironment env) => env == KgEnvironment.Production ? "prod" : env.Name();

    public static string Spell(this KgEnvironment env, EnvironmentSpelling spelling) =>
        spelling == EnvironmentSpelling.Name ? env.Name() : env.Value();

    /// <summary>The text of <paramref name="env"/> for <paramref name="use"/>, looked up in <see cref="Usage"/>.</summary>
    public static string For(this KgEnvironment env, EnvironmentUse use)
    {
        var text = env.Spell(Usage[use]);
        return use == EnvironmentUse.EnvironmentVariable ? text.ToUpperInvariant() : text;
    }

    public static IReadOnlyList<string> AliasesOf(KgEnvironment env) =>
        Aliases.Where(kv => kv.Value == env && !string.Equals(kv.Key, env.Name(), StringComparison.Ordinal))
            .Select(kv => kv.Key).ToArray();

    public static bool TryParse(string? text, out KgEnvironment env)
    {
        env = default;
        return text is not null && Aliases.TryGetValue(text.Trim(), out env);
    }

    /// <summary>Parses any spelling (name, value or alias, any case). Legacy metadata <c>prod</c> reads as production.</summary>
    public static KgEnvironment Parse(string? text)
    {
        if (TryParse(text, out var env))
        {
            return env;
        }
        throw new KgException("InvalidEnvironment", KgErrorKind.InvalidArgument,
            $"'{Identifiers.WikibaseId.Printable(text)}' is not an environment. Valid environments: {ValidList}.", text);
    }
}
