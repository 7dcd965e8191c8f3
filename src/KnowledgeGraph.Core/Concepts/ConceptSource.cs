using KnowledgeGraph.Configuration;
using KnowledgeGraph.Http;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;
using KnowledgeGraph.Wikibase;

namespace KnowledgeGraph.Concepts;

/// <summary>Where concepts come from: files in the original JSON format, or the team's Wikibase.</summary>
public enum ConceptSourceKind
{
    Files,
    Wikibase,
}

/// <summary>What a command gives the concept sources it uses: the resilience library (from the infrastructure, loaded on
/// first use), where messages go, and its cancellation. Set for the calling flow by <see cref="ConceptSource.UseContext"/>.</summary>
public sealed record ConceptSourceContext
{
    public Func<IHttpResilience>? Http { get; init; }
    public FetchLog Log { get; init; } = new();
    public CancellationToken Cancellation { get; init; }
}

/// <summary>Finds concepts: in a folder of <c>&lt;Qid&gt;.json</c> files or in one file (the original JSON format), or in
/// the team's Wikibase (with the labelled passages from Argilla). Every command that needs a concept by ID finds it
/// through this. Which one: an explicit path, else <c>$env:KG_CONCEPT_SOURCE</c> (Files or Wikibase), else a set
/// <c>$env:KG_CONCEPT_PATH</c> (files), else the settings file's concept source (Set-KgEnvironment -ConceptSource), else
/// the Wikibase when <c>$env:WIKIBASE_URL</c> is set (as the original), else the default concept folder.</summary>
public sealed class ConceptSource
{
    public const string SourceVariable = "KG_CONCEPT_SOURCE";
    private static readonly AsyncLocal<ConceptSourceContext?> CurrentContext = new();
    private WikibaseConcepts? _wikibase;

    private ConceptSource(string path, string origin, ConceptSourceKind kind = ConceptSourceKind.Files, WikibaseConfiguration? wikibase = null)
    {
        Path = path;
        Origin = origin;
        Kind = kind;
        Wikibase = wikibase;
    }

    /// <summary>The folder or file concepts are read from (for the Wikibase: its URL).</summary>
    public string Path { get; }

    /// <summary>Where <see cref="Path"/> came from (the parameter, an environment variable or the default).</summary>
    public string Origin { get; }

    public ConceptSourceKind Kind { get; }

    /// <summary>The Wikibase, when <see cref="Kind"/> is <see cref="ConceptSourceKind.Wikibase"/>.</summary>
    public WikibaseConfiguration? Wikibase { get; }

    public bool IsFile => Kind == ConceptSourceKind.Files && File.Exists(Path);

    /// <summary>Makes <paramref name="context"/> the one concept sources use in the calling flow, until disposed.</summary>
    public static IDisposable UseContext(ConceptSourceContext context)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = context;
        return new Scope(() => CurrentContext.Value = previous);
    }

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    /// <summary>The source for an explicit path (file or folder), else the configured one (see the class).</summary>
    public static ConceptSource Resolve(string? explicitPath) => Resolve(explicitPath, null);

    /// <param name="requested">A source asked for by the command (Get-KgConcept -Source), which wins over the configuration.</param>
    public static ConceptSource Resolve(string? explicitPath, ConceptSourceKind? requested)
    {
        if (requested == ConceptSourceKind.Wikibase)
        {
            return ForWikibase("-Source Wikibase");
        }
        if (requested == ConceptSourceKind.Files || !string.IsNullOrWhiteSpace(explicitPath))
        {
            return Files(explicitPath);
        }
        var fromEnv = System.Environment.GetEnvironmentVariable(SourceVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return ParseKind(fromEnv, "$env:" + SourceVariable) == ConceptSourceKind.Wikibase ? ForWikibase("$env:" + SourceVariable) : Files(null);
        }
        if (!string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(KgPaths.ConceptPathVariable)))
        {
            return Files(null);
        }
        var settings = KgSettings.Load();
        if (settings.ConceptSource is { } configured)
        {
            return ParseKind(configured, $"the settings file ({KgPaths.SettingsFile})") == ConceptSourceKind.Wikibase
                ? ForWikibase("the settings file")
                : Files(null);
        }
        if (!string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(WikibaseConfiguration.UrlVariable)))
        {
            return ForWikibase("$env:" + WikibaseConfiguration.UrlVariable);
        }
        return Files(null);
    }

    public static ConceptSourceKind ParseKind(string text, string origin) =>
        Enum.TryParse<ConceptSourceKind>(text.Trim(), ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !char.IsAsciiDigit(text.Trim()[0])
            ? kind
            : throw new KgException("InvalidConceptSource", KgErrorKind.InvalidArgument,
                $"'{text}' ({origin}) is not a concept source: use Files or Wikibase.", text);

    private static ConceptSource Files(string? explicitPath)
    {
        var (path, origin) = KgPaths.ConceptPath(explicitPath);
        return new ConceptSource(path, origin);
    }

    private static ConceptSource ForWikibase(string origin)
    {
        var config = WikibaseConfiguration.Resolve(KgSettings.Load()) ?? throw new KgException("WikibaseNotConfigured", KgErrorKind.InvalidOperation,
            $"Concepts come from the Wikibase ({origin}), but no Wikibase is configured: set $env:{WikibaseConfiguration.UrlVariable} (with $env:{WikibaseConfiguration.UsernameVariable} and $env:{WikibaseConfiguration.PasswordVariable}), or run Set-KgEnvironment -ConceptSource Wikibase -WikibaseUrl <url>.", origin);
        return new ConceptSource(config.Url, $"{origin}; the Wikibase URL from {config.UrlSource}", ConceptSourceKind.Wikibase, config);
    }

    /// <summary>A concept from the Wikibase as <paramref name="query"/> says (a revision, a time, subconcept labels,
    /// labelled passages); for a file source only the plain query is valid.</summary>
    public Concept Get(WikibaseId id, ConceptQuery query)
    {
        if (Kind == ConceptSourceKind.Files)
        {
            if (query.Revision is not null || query.AsOf is not null || query.IncludeSubconceptLabels || query.IncludeLabelledPassages)
            {
                throw new KgException("NotAWikibaseSource", KgErrorKind.InvalidArgument,
                    $"-Revision, -AsOf, -IncludeSubconceptLabels and -IncludeLabelledPassages read from the Wikibase, but concepts come from files here ({Path}, {Origin}). Add -Source Wikibase.", id.Value);
            }
            return Get(id);
        }
        var context = CurrentContext.Value ?? new ConceptSourceContext();
        return WikibaseConcepts(context).GetAsync(id, query, context.Cancellation).GetAwaiter().GetResult();
    }

    /// <summary>The concepts of a Wikibase are read through one session per source (one login).</summary>
    private WikibaseConcepts WikibaseConcepts(ConceptSourceContext context) => _wikibase ??= new WikibaseConcepts(Wikibase!, () => Handler(context), context.Log);

    /// <summary>A retrying handler (when the resilience library is available) over a handler that keeps cookies.</summary>
    private static HttpMessageHandler Handler(ConceptSourceContext context)
    {
        var inner = new SocketsHttpHandler { UseCookies = true, CookieContainer = new System.Net.CookieContainer(), ConnectTimeout = TimeSpan.FromSeconds(30) };
        if (context.Http?.Invoke() is not { } resilience)
        {
            return inner;
        }
        var handler = resilience.CreateHandler(HttpPolicy.Default, context.Log.D);
        handler.InnerHandler = inner;
        return handler;
    }

    /// <summary>The IDs whose concepts are in the local Wikibase cache (for completion, which must not wait on the network).</summary>
    public IReadOnlyList<WikibaseId> CachedIds() => Wikibase is null
        ? []
        : new WikibaseCache(Wikibase.CacheFolder).SnapshotIds().Select(WikibaseId.Parse).Order().ToArray();

    public Concept Get(WikibaseId id)
    {
        if (Kind == ConceptSourceKind.Wikibase)
        {
            return Get(id, ConceptQuery.ForTraining);
        }
        if (IsFile)
        {
            var concept = ReadFile(Path);
            if (!string.Equals(concept.WikibaseId, id.Value, StringComparison.Ordinal))
            {
                throw new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound,
                    $"The concept file '{Path}' holds {concept.WikibaseId ?? "a concept without a Wikibase ID"}, not {id}.", id.Value);
            }
            return concept;
        }
        if (!Directory.Exists(Path))
        {
            throw new KgException("ConceptFolderNotFound", KgErrorKind.ObjectNotFound,
                $"The concept folder '{Path}' ({Origin}) does not exist. Pass -Path, or set $env:{KgPaths.ConceptPathVariable}, to a folder of <Qid>.json concept files.", Path);
        }
        var file = System.IO.Path.Combine(Path, id.Value + ".json");
        if (!File.Exists(file))
        {
            throw new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound,
                $"There is no concept {id} in '{Path}' ({Origin}): expected the file {id}.json.", id.Value);
        }
        var result = ReadFile(file);
        if (result.WikibaseId is null)
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData,
                $"The concept file '{file}' has no wikibase_id; add \"wikibase_id\": \"{id}\" to it.", file);
        }
        if (!string.Equals(result.WikibaseId, id.Value, StringComparison.Ordinal))
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData,
                $"The concept file '{file}' holds {result.WikibaseId}, not {id}.", file);
        }
        return result;
    }

    /// <summary>Every concept: the one in the file, or each <c>&lt;Qid&gt;.json</c> of the folder in numeric order.</summary>
    public IEnumerable<Concept> All()
    {
        if (IsFile)
        {
            yield return ReadFile(Path);
            yield break;
        }
        foreach (var id in ListIds())
        {
            yield return Get(id);
        }
    }

    /// <summary>The Wikibase IDs of the folder's concept files (cheap: file names only).</summary>
    public IReadOnlyList<WikibaseId> ListIds()
    {
        if (Kind == ConceptSourceKind.Wikibase)
        {
            var context = CurrentContext.Value ?? new ConceptSourceContext();
            return WikibaseConcepts(context).ListIdsAsync(context.Cancellation).GetAwaiter().GetResult();
        }
        if (IsFile)
        {
            var c = ReadFile(Path);
            return c.WikibaseId is null ? [] : [WikibaseId.Parse(c.WikibaseId)];
        }
        if (!Directory.Exists(Path))
        {
            return [];
        }
        try
        {
            return Directory.EnumerateFiles(Path, "Q*.json")
                .Select(f => System.IO.Path.GetFileNameWithoutExtension(f))
                .Where(WikibaseId.IsValid)
                .Select(WikibaseId.Parse)
                .Order()
                .ToArray();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KgException("ConceptFolderNotReadable", KgErrorKind.PermissionDenied,
                $"The concept folder '{Path}' ({Origin}) cannot be read: permission denied.", Path, e);
        }
        catch (IOException e)
        {
            throw new KgException("ConceptFolderNotReadable", KgErrorKind.ReadError, $"The concept folder '{Path}' ({Origin}) cannot be read: {e.Message}", Path, e);
        }
    }

    public static Concept ReadFile(string file) => ConceptJson.ReadConcept(FileText.ReadAll(file, "concept file"), file);
}
