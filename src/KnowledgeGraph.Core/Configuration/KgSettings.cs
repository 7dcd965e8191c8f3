using System.Text.Json;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Configuration;

/// <summary>Per-environment settings, as stored in the settings file. Null means "not set here".</summary>
public sealed record EnvironmentSettings
{
    public string? Store { get; init; }
    public string? ProfileName { get; init; }
    public string? Region { get; init; }
    public string? EndpointUrl { get; init; }
    public bool? ForcePathStyle { get; init; }

    public bool IsEmpty => Store is null && ProfileName is null && Region is null && EndpointUrl is null && ForcePathStyle is null;
}

/// <summary>The module's persisted configuration (<c>settings.json</c> under the home folder): defaults for every
/// environment (a bucket naming pattern such as <c>s3://cpr-{value}-models</c>, an AWS profile, a region, an endpoint)
/// and per-environment overrides.</summary>
public sealed record KgSettings
{
    public EnvironmentSettings Defaults { get; init; } = new();
    public IReadOnlyDictionary<KgEnvironment, EnvironmentSettings> Environments { get; init; } =
        new Dictionary<KgEnvironment, EnvironmentSettings>();
    /// <summary>The corpus learned classifiers draw negatives from when a command names none (absolute paths).</summary>
    public IReadOnlyList<string> CorpusPaths { get; init; } = [];

    public EnvironmentSettings For(KgEnvironment env) =>
        Environments.TryGetValue(env, out var s) ? s : new EnvironmentSettings();

    public KgSettings With(KgEnvironment? env, EnvironmentSettings settings)
    {
        if (env is null)
        {
            return this with { Defaults = settings };
        }
        var copy = new Dictionary<KgEnvironment, EnvironmentSettings>(Environments) { [env.Value] = settings };
        return this with { Environments = copy };
    }

    public static KgSettings Load(string? path = null)
    {
        path ??= KgPaths.SettingsFile;
        if (!File.Exists(path))
        {
            return new KgSettings();
        }
        using var doc = JsonValues.Parse(FileText.ReadAll(path, "settings file"), path);
        var root = doc.RootElement;
        var envs = new Dictionary<KgEnvironment, EnvironmentSettings>();
        if (root.TryGetProperty("environments", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (!EnvironmentNames.TryParse(p.Name, out var env))
                {
                    throw new KgException("InvalidSettings", KgErrorKind.InvalidData,
                        $"The settings file '{path}' names an unknown environment '{p.Name}'. Valid environments: {EnvironmentNames.ValidList}.", path);
                }
                envs[env] = ReadEnvironment(p.Value);
            }
        }
        return new KgSettings
        {
            Defaults = root.TryGetProperty("defaults", out var d) && d.ValueKind == JsonValueKind.Object ? ReadEnvironment(d) : new(),
            Environments = envs,
            CorpusPaths = root.TryGetProperty("corpusPaths", out var c) && c.ValueKind == JsonValueKind.Array
                ? c.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray() : [],
        };
    }

    public void Save(string? path = null)
    {
        path ??= KgPaths.SettingsFile;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var json = Concepts.ConceptJson.WriteToString(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WritePropertyName("defaults");
            WriteEnvironment(w, Defaults);
            w.WriteStartObject("environments");
            foreach (var env in EnvironmentNames.All.Where(x => Environments.ContainsKey(x) && !Environments[x].IsEmpty))
            {
                w.WritePropertyName(env.Name());
                WriteEnvironment(w, Environments[env]);
            }
            w.WriteEndObject();
            if (CorpusPaths.Count > 0)
            {
                w.WriteStartArray("corpusPaths");
                foreach (var c in CorpusPaths) w.WriteStringValue(c);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }, indented: true);
        FileText.WriteAtomic(path, json + "\n", "settings file");
    }

    private static EnvironmentSettings ReadEnvironment(JsonElement e)
    {
        string? S(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new EnvironmentSettings
        {
            Store = S("store"),
            ProfileName = S("profileName"),
            Region = S("region"),
            EndpointUrl = S("endpointUrl"),
            ForcePathStyle = e.TryGetProperty("forcePathStyle", out var f) && f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : null,
        };
    }

    private static void WriteEnvironment(Utf8JsonWriter w, EnvironmentSettings s)
    {
        w.WriteStartObject();
        if (s.Store is not null) w.WriteString("store", s.Store);
        if (s.ProfileName is not null) w.WriteString("profileName", s.ProfileName);
        if (s.Region is not null) w.WriteString("region", s.Region);
        if (s.EndpointUrl is not null) w.WriteString("endpointUrl", s.EndpointUrl);
        if (s.ForcePathStyle is { } b) w.WriteBoolean("forcePathStyle", b);
        w.WriteEndObject();
    }
}

/// <summary>An environment's effective configuration, with where each value came from. Precedence, highest first:
/// <c>$env:KG_&lt;NAME&gt;_STORE</c> etc., <c>$env:KG_STORE_PATTERN</c> etc., the environment's entry in the settings
/// file, the settings file's defaults, and finally the embedded local store under the home folder.</summary>
public sealed record EnvironmentConfiguration
{
    public required KgEnvironment Environment { get; init; }
    public required StoreLocation Store { get; init; }
    public required string StoreSource { get; init; }
    public string? ProfileName { get; init; }
    public string? ProfileSource { get; init; }
    public string? Region { get; init; }
    public string? EndpointUrl { get; init; }
    public bool ForcePathStyle { get; init; }

    public static EnvironmentConfiguration Resolve(KgEnvironment env, KgSettings settings)
    {
        var name = env.For(EnvironmentUse.EnvironmentVariable);
        var perEnv = settings.For(env);
        var defaults = settings.Defaults;

        (string? Value, string Source) Pick(string perEnvVar, string globalVar, string? perEnvSetting, string? defaultSetting)
        {
            var v = System.Environment.GetEnvironmentVariable(perEnvVar);
            if (!string.IsNullOrWhiteSpace(v)) return (v, "$env:" + perEnvVar);
            v = System.Environment.GetEnvironmentVariable(globalVar);
            if (!string.IsNullOrWhiteSpace(v)) return (v, "$env:" + globalVar);
            if (perEnvSetting is not null) return (perEnvSetting, $"settings ({env.Name()})");
            if (defaultSetting is not null) return (defaultSetting, "settings (defaults)");
            return (null, "not set");
        }

        var (store, storeSource) = Pick($"KG_{name}_STORE", "KG_STORE_PATTERN", perEnv.Store, defaults.Store);
        var location = store is null
            ? StoreLocation.Local(KgPaths.DefaultStore(env))
            : StoreLocation.Parse(ExpandPattern(store, env));
        if (store is null)
        {
            storeSource = "default (local)";
        }
        var (profile, profileSource) = Pick($"KG_{name}_PROFILE", "KG_PROFILE", perEnv.ProfileName, defaults.ProfileName);
        var (region, _) = Pick($"KG_{name}_REGION", "KG_REGION", perEnv.Region, defaults.Region);
        var (endpoint, _) = Pick($"KG_{name}_ENDPOINT_URL", "KG_ENDPOINT_URL", perEnv.EndpointUrl, defaults.EndpointUrl);
        var (pathStyle, _) = Pick($"KG_{name}_FORCE_PATH_STYLE", "KG_FORCE_PATH_STYLE",
            perEnv.ForcePathStyle?.ToString(), defaults.ForcePathStyle?.ToString());
        return new EnvironmentConfiguration
        {
            Environment = env,
            Store = location,
            StoreSource = storeSource,
            ProfileName = profile,
            ProfileSource = profile is null ? null : profileSource,
            Region = region,
            EndpointUrl = endpoint,
            // S3-compatible servers at an explicit endpoint nearly always need path-style addressing.
            ForcePathStyle = pathStyle is not null ? bool.TryParse(pathStyle, out var b) && b : endpoint is not null,
        };
    }

    /// <summary>Substitutes <c>{name}</c> (e.g. production) and <c>{value}</c> (e.g. prod) in a store pattern.</summary>
    public static string ExpandPattern(string pattern, KgEnvironment env) => pattern
        .Replace("{value}", env.For(EnvironmentUse.BucketName), StringComparison.OrdinalIgnoreCase)
        .Replace("{name}", env.For(EnvironmentUse.Display), StringComparison.OrdinalIgnoreCase);
}
