using KnowledgeGraph.Registry;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.WandB;

/// <summary>Where W&amp;B is and how its names are spelled: the original's layout (one project per concept, artifacts
/// named by classifier ID, the model registry <c>wandb-registry-model</c> with one collection per concept).</summary>
public static class WandBConfiguration
{
    public const string DefaultBaseUrl = "https://api.wandb.ai";
    public const string RegistryProject = "wandb-registry-model";
    public const string ModelType = "model";
    public const string LabelledPassagesType = "labelled_passages";

    public static RegistryKind ParseRegistry(string? value, string origin)
    {
        if (value is null)
        {
            return RegistryKind.Store;
        }
        return value.Trim().ToLowerInvariant() switch
        {
            "store" => RegistryKind.Store,
            "wandb" or "w&b" => RegistryKind.WandB,
            _ => throw new KgException("InvalidRegistry", KgErrorKind.InvalidArgument,
                $"'{value}' ({origin}) is not a registry: use Store (the environment's own registry, the default) or WandB.", value),
        };
    }

    /// <summary>A W&amp;B server URL: http(s), no credentials in it (the key comes from $env:WANDB_API_KEY or ~/.netrc).</summary>
    public static void CheckBaseUrl(string url, string origin)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new KgException("InvalidWandBBaseUrl", KgErrorKind.InvalidArgument,
                $"'{Redact.Url(url)}' ({origin}) is not a W&B server URL: use http(s)://host[:port], such as {DefaultBaseUrl}.", Redact.Url(url));
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0)
        {
            throw new KgException("InvalidWandBBaseUrl", KgErrorKind.InvalidArgument,
                $"The W&B server URL '{Redact.Url(url)}' ({origin}) has credentials or a query in it. Keep the API key out of URLs: set $env:WANDB_API_KEY or run `wandb login`, which writes ~/.netrc.", Redact.Url(url));
        }
    }
}

/// <summary>A W&amp;B API key and where it came from. The key itself is never shown: not in messages, not in -Debug
/// output, not by <see cref="ToString"/>.</summary>
public sealed class WandBApiKey
{
    private WandBApiKey(string value, string source)
    {
        Value = value;
        Source = source;
    }

    internal string Value { get; }

    /// <summary>Where the key was found: <c>$env:WANDB_API_KEY</c> or a <c>.netrc</c> file and its machine.</summary>
    public string Source { get; }

    public override string ToString() => $"a W&B API key from {Source}";

    /// <summary>A key given directly (tests).</summary>
    internal static WandBApiKey Of(string value, string source) => new(value, source);

    /// <summary>The key W&amp;B's own tools would use for <paramref name="baseUrl"/>: <c>$env:WANDB_API_KEY</c>, else the
    /// password of the server's machine in <c>$env:NETRC</c> or <c>~/.netrc</c> (<c>_netrc</c> on Windows), which
    /// <c>wandb login</c> writes. Null when there is none.</summary>
    public static WandBApiKey? Find(string baseUrl)
    {
        var fromEnv = Environment.GetEnvironmentVariable("WANDB_API_KEY");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return new WandBApiKey(fromEnv.Trim(), "$env:WANDB_API_KEY");
        }
        var host = new Uri(baseUrl).Host;
        foreach (var path in NetrcPaths())
        {
            if (File.Exists(path) && NetrcPassword(File.ReadAllText(path), host) is { } password)
            {
                return new WandBApiKey(password, $"{path} (machine {host})");
            }
        }
        return null;
    }

    public static WandBApiKey Require(string baseUrl) => Find(baseUrl) ?? throw new KgException("WandBKeyMissing", KgErrorKind.AuthenticationError,
        $"No W&B API key for {new Uri(baseUrl).Host}: set $env:WANDB_API_KEY, or log in once with `wandb login` (it writes the key to ~/.netrc, machine {new Uri(baseUrl).Host}). Keys are at {baseUrl.Replace("//api.", "//", StringComparison.Ordinal)}/authorize.",
        new Uri(baseUrl).Host);

    private static IEnumerable<string> NetrcPaths()
    {
        if (Environment.GetEnvironmentVariable("NETRC") is { Length: > 0 } explicitPath)
        {
            yield return explicitPath;
        }
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return Path.Combine(home, ".netrc");
        if (OperatingSystem.IsWindows())
        {
            yield return Path.Combine(home, "_netrc");
        }
    }

    /// <summary>The password of <paramref name="host"/>'s entry (or of <c>default</c>) in a netrc text.</summary>
    internal static string? NetrcPassword(string text, string host)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string? machine = null, password = null, fallback = null;
        var isDefault = false;
        for (var i = 0; i < tokens.Length; i++)
        {
            switch (tokens[i])
            {
                case "machine" when i + 1 < tokens.Length:
                    Flush();
                    machine = tokens[++i];
                    isDefault = false;
                    break;
                case "default":
                    Flush();
                    machine = null;
                    isDefault = true;
                    break;
                case "password" when i + 1 < tokens.Length:
                    password = tokens[++i];
                    break;
                case "login" or "account" when i + 1 < tokens.Length:
                    i++;
                    break;
            }
            if (machine == host && password is not null)
            {
                return password;
            }
        }
        Flush();
        return fallback;

        void Flush()
        {
            if (isDefault && password is not null)
            {
                fallback ??= password;
            }
            password = null;
        }
    }
}
