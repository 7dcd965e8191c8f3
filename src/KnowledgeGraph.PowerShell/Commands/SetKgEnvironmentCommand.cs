using System.Management.Automation;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Set-KgEnvironment: sets where an environment's store is (a local folder or an S3 bucket) and how to reach it,
/// in the settings file. Without -Environment it sets the defaults of every environment.</summary>
[Cmdlet(VerbsCommon.Set, "KgEnvironment", SupportsShouldProcess = true)]
[OutputType(typeof(EnvironmentInfo))]
public sealed class SetKgEnvironmentCommand : KgCmdlet
{
    /// <summary>The environments to configure; the defaults of all four when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName[]? Environment { get; set; }

    /// <summary>s3://bucket[/prefix] or a local folder; {value} and {name} are replaced by the environment's value or name.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Store { get; set; }

    [Parameter]
    [AllowEmptyString]
    [Alias("AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? Region { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? EndpointUrl { get; set; }

    [Parameter]
    public SwitchParameter ForcePathStyle { get; set; }

    /// <summary>The registry of record: Store (the store's own log, the default) or WandB (the W&amp;B model registry).</summary>
    [Parameter]
    [ValidateSet("Store", "WandB", IgnoreCase = true)]
    public string? Registry { get; set; }

    /// <summary>The W&amp;B team entity that owns the concept projects (for -Track, and for a W&amp;B registry).</summary>
    [Parameter]
    [AllowEmptyString]
    public string? WandBEntity { get; set; }

    /// <summary>The W&amp;B server, when it is not https://api.wandb.ai.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? WandBBaseUrl { get; set; }

    /// <summary>The corpus (files or folders of unlabelled passages) that learned classifiers draw negatives from when a
    /// command names none: one setting for the home folder, whichever environments are named. An empty value clears it.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string[]? CorpusPath { get; set; }

    /// <summary>Where concepts come from when a command names no file: Files or Wikibase (one setting for the home folder).</summary>
    [Parameter]
    public ConceptSourceKind? ConceptSource { get; set; }

    /// <summary>The Wikibase to read concepts from ($env:WIKIBASE_URL overrides it); an empty value clears it. The password
    /// is never stored: it is read from $env:WIKIBASE_PASSWORD.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? WikibaseUrl { get; set; }

    /// <summary>The Wikibase user (a bot password's user, Name@bot; $env:WIKIBASE_USERNAME overrides it); empty clears it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? WikibaseUsername { get; set; }

    /// <summary>Forget the existing settings of the environments (or the defaults) before applying the others.</summary>
    [Parameter]
    public SwitchParameter Reset { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var settings = KgSettings.Load();
        var scopes = Environment is null ? [(KgEnvironment?)null] : Environment.Select(e => (KgEnvironment?)e).ToArray();
        var updated = settings;
        foreach (var scope in scopes)
        {
            var current = Reset ? new EnvironmentSettings() : scope is null ? updated.Defaults : updated.For(scope.Value);
            var next = current with
            {
                Store = Absolute(Value(nameof(Store), Store, current.Store)),
                ProfileName = Value(nameof(ProfileName), ProfileName, current.ProfileName),
                Region = Value(nameof(Region), Region, current.Region),
                EndpointUrl = Value(nameof(EndpointUrl), EndpointUrl, current.EndpointUrl),
                ForcePathStyle = IsBound(nameof(ForcePathStyle)) ? ForcePathStyle.IsPresent : current.ForcePathStyle,
                Registry = IsBound(nameof(Registry)) ? (Registry!.Equals("WandB", StringComparison.OrdinalIgnoreCase) ? "WandB" : null) : current.Registry,
                WandBEntity = Value(nameof(WandBEntity), WandBEntity, current.WandBEntity),
                WandBBaseUrl = Value(nameof(WandBBaseUrl), WandBBaseUrl, current.WandBBaseUrl)?.TrimEnd('/'),
            };
            Validate(next, scope);
            updated = updated.With(scope, next);
        }
        if (IsBound(nameof(CorpusPath)))
        {
            var corpus = (CorpusPath ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(ResolvePath).ToArray();
            try
            {
                if (corpus.Length > 0) Corpus.CorpusReader.ResolveFiles(corpus);
            }
            catch (KgException e)
            {
                ThrowKgError(e);
            }
            updated = updated with { CorpusPaths = corpus };
        }
        updated = WithConceptSource(updated);
        try
        {
            // The combination must work for every environment it reaches (a W&B registry needs an entity), before it is saved.
            foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
            {
                EnvironmentConfiguration.Resolve(env, updated);
            }
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
        var target = Environment is null ? "the defaults of every environment" : string.Join(", ", Environment.Select(e => e.Name()));
        if (!ShouldProcess(target, $"Update the module's settings in {KgPaths.SettingsFile}"))
        {
            return;
        }
        updated.Save();
        if (PassThru)
        {
            foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
            {
                WriteObject(EnvironmentInfo.From(EnvironmentConfiguration.Resolve(env, updated)));
            }
        }
    }

    /// <summary>The concept source settings (not per environment). A Wikibase URL is checked before anything is written;
    /// choosing the Wikibase needs a URL, here or in $env:WIKIBASE_URL.</summary>
    private KgSettings WithConceptSource(KgSettings settings)
    {
        try
        {
            if (IsBound(nameof(WikibaseUrl)))
            {
                settings = settings with
                {
                    WikibaseUrl = string.IsNullOrWhiteSpace(WikibaseUrl) ? null : Wikibase.WikibaseConfiguration.CheckUrl(WikibaseUrl, "-WikibaseUrl"),
                };
            }
            if (IsBound(nameof(WikibaseUsername)))
            {
                settings = settings with { WikibaseUsername = string.IsNullOrWhiteSpace(WikibaseUsername) ? null : WikibaseUsername.Trim() };
            }
            if (ConceptSource is { } kind)
            {
                if (kind == Concepts.ConceptSourceKind.Wikibase && settings.WikibaseUrl is null
                    && string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(Wikibase.WikibaseConfiguration.UrlVariable)))
                {
                    throw Error("WikibaseNotConfigured", KgErrorKind.InvalidArgument,
                        $"-ConceptSource Wikibase needs the Wikibase's URL: add -WikibaseUrl <url> (or set $env:{Wikibase.WikibaseConfiguration.UrlVariable}).", kind);
                }
                settings = settings with { ConceptSource = kind.ToString() };
            }
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
        return settings;
    }

    /// <summary>A folder store given as a relative path is saved absolute, resolved against the current location (not
    /// the process's), so that it means the same folder from anywhere later.</summary>
    private string? Absolute(string? store)
    {
        if (store is null || store.Contains("://", StringComparison.Ordinal) || store.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || store.StartsWith('~') || System.IO.Path.IsPathRooted(store))
        {
            return store;
        }
        return System.IO.Path.GetFullPath(store, CurrentDirectory);
    }

    /// <summary>An unbound parameter keeps the current value; an empty string clears it.</summary>
    private string? Value(string name, string? given, string? current) =>
        !IsBound(name) ? current : string.IsNullOrWhiteSpace(given) ? null : given.Trim();

    private void Validate(EnvironmentSettings s, KgEnvironment? scope)
    {
        try
        {
            if (s.Store is not null)
            {
                foreach (var env in scope is null ? EnvironmentNames.All : [scope.Value])
                {
                    StoreLocation.Parse(EnvironmentConfiguration.ExpandPattern(s.Store, env));
                }
            }
            if (s.EndpointUrl is not null)
            {
                EnvironmentConfiguration.CheckEndpoint(s.EndpointUrl, "-EndpointUrl");
            }
            if (s.WandBBaseUrl is not null)
            {
                WandB.WandBConfiguration.CheckBaseUrl(s.WandBBaseUrl, "-WandBBaseUrl");
            }
            if (s.WandBEntity is not null && !System.Text.RegularExpressions.Regex.IsMatch(s.WandBEntity, @"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z"))
            {
                throw Error("InvalidWandBEntity", KgErrorKind.InvalidArgument, $"'{s.WandBEntity}' is not a W&B entity name (letters, digits, '-', '_', '.').", s.WandBEntity);
            }
            if (s.Region is not null && !System.Text.RegularExpressions.Regex.IsMatch(s.Region, "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"))
            {
                throw Error("InvalidRegion", KgErrorKind.InvalidArgument, $"'{s.Region}' is not an AWS region name such as eu-west-1.", s.Region);
            }
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
    }
}
