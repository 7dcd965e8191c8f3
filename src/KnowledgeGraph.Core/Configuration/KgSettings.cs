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
        SettingsDocument d;
        try
        {
            d = KgJson.Parse(FileText.ReadAllBytes(path, "settings file"), KgJson.Settings.SettingsDocument);
        }
        catch (FormatException e)
        {
            throw new KgException("InvalidSettings", KgErrorKind.InvalidData,
                $"The settings file '{path}' is not valid: {e.Message}. It holds an object with 'defaults' and 'environments'; fix it, or delete it and set the stores again with Set-KgEnvironment.", path, e);
        }
        var envs = new Dictionary<KgEnvironment, EnvironmentSettings>();
        foreach (var (name, value) in d.Environments ?? new Dictionary<string, EnvironmentSettingsDocument>())
        {
            if (!EnvironmentNames.TryParse(name, out var env))
            {
                throw new KgException("InvalidSettings", KgErrorKind.InvalidData,
                    $"The settings file '{path}' names an unknown environment '{name}'. Valid environments: {EnvironmentNames.ValidList}.", path);
            }
            envs[env] = value.ToSettings();
        }
        return new KgSettings { Defaults = d.Defaults?.ToSettings() ?? new(), Environments = envs, CorpusPaths = d.CorpusPaths ?? [] };
    }

    public void Save(string? path = null)
    {
        path ??= KgPaths.SettingsFile;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var document = new SettingsDocument
        {
            Version = 1,
            Defaults = EnvironmentSettingsDocument.From(Defaults),
            Environments = EnvironmentNames.All.Where(x => Environments.ContainsKey(x) && !Environments[x].IsEmpty)
                .ToDictionary(x => x.Name(), x => EnvironmentSettingsDocument.From(Environments[x])),
            CorpusPaths = CorpusPaths.Count > 0 ? [.. CorpusPaths] : null,
        };
        FileText.WriteAtomic(path, System.Text.Encoding.UTF8.GetString(KgJson.ToBytes(document, KgJson.Settings.SettingsDocument)), "settings file");
    }
}

/// <summary>The settings file as stored (camelCase names).</summary>
internal sealed record SettingsDocument
{
    public int Version { get; init; } = 1;
    public EnvironmentSettingsDocument? Defaults { get; init; }
    public Dictionary<string, EnvironmentSettingsDocument>? Environments { get; init; }
    public List<string>? CorpusPaths { get; init; }
}

internal sealed record EnvironmentSettingsDocument
{
    public string? Store { get; init; }
    public string? ProfileName { get; init; }
    public string? Region { get; init; }
    public string? EndpointUrl { get; init; }
    public bool? ForcePathStyle { get; init; }

    public EnvironmentSettings ToSettings() => new()
    {
        Store = Store,
        ProfileName = ProfileName,
        Region = Region,
        EndpointUrl = EndpointUrl,
        ForcePathStyle = ForcePathStyle,
    };

    public static EnvironmentSettingsDocument From(EnvironmentSettings s) => new()
    {
        Store = s.Store,
        ProfileName = s.ProfileName,
        Region = s.Region,
        EndpointUrl = s.EndpointUrl,
        ForcePathStyle = s.ForcePathStyle,
    };
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
        var (endpoint, endpointSource) = Pick($"KG_{name}_ENDPOINT_URL", "KG_ENDPOINT_URL", perEnv.EndpointUrl, defaults.EndpointUrl);
        if (endpoint is not null)
        {
            CheckEndpoint(endpoint, endpointSource);
        }
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

    /// <summary>An endpoint is an http(s) URL without credentials in it (they would show in messages; use a profile).</summary>
    public static void CheckEndpoint(string endpoint, string origin)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new KgException("InvalidEndpointUrl", KgErrorKind.InvalidArgument,
                $"'{Redact.Url(endpoint)}' ({origin}) is not an endpoint URL: use http(s)://host[:port], such as http://127.0.0.1:7480.", Redact.Url(endpoint));
        }
        if (uri.UserInfo.Length > 0)
        {
            throw new KgException("InvalidEndpointUrl", KgErrorKind.InvalidArgument,
                $"The endpoint URL '{Redact.Url(endpoint)}' ({origin}) has credentials in it. Keep them out of URLs: put them in an AWS profile (Set-KgEnvironment -ProfileName) or in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", Redact.Url(endpoint));
        }
    }

    /// <summary>Substitutes <c>{name}</c> (e.g. production) and <c>{value}</c> (e.g. prod) in a store pattern.</summary>
    public static string ExpandPattern(string pattern, KgEnvironment env) => pattern
        .Replace("{value}", env.For(EnvironmentUse.BucketName), StringComparison.OrdinalIgnoreCase)
        .Replace("{name}", env.For(EnvironmentUse.Display), StringComparison.OrdinalIgnoreCase);
}
