using System.Management.Automation;
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

    /// <summary>The corpus (files or folders of unlabelled passages) that learned classifiers draw negatives from when a
    /// command names none: one setting for the home folder, whichever environments are named. An empty value clears it.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string[]? CorpusPath { get; set; }

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
