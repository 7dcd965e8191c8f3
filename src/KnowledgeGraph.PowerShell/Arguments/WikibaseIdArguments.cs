using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>Validates each Wikibase ID at binding time: Q, a number without leading zeros, nothing else. With
/// <see cref="AllowWildcards"/>, a pattern (Q7*) passes too; the cmdlet matches it.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateWikibaseIdAttribute : ValidateEnumeratedArgumentsAttribute
{
    public bool AllowWildcards { get; set; }

    protected override void ValidateElement(object element)
    {
        var text = element is PSObject p ? p.BaseObject?.ToString() : element?.ToString();
        if (AllowWildcards && text is not null && WildcardPattern.ContainsWildcardCharacters(text) && text.All(c => c is 'Q' or '*' or '?' or '[' or ']' or '-' or (>= '0' and <= '9')))
        {
            return;
        }
        if (!WikibaseId.IsValid(text))
        {
            throw new ValidationMetadataException(
                $"'{WikibaseIdPrintable(text)}' is not a valid Wikibase ID. A Wikibase ID is Q followed by a number without leading zeros, such as Q787.");
        }
    }

    private static string WikibaseIdPrintable(string? v) => v?.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal) ?? "<null>";
}

/// <summary>Validates each classifier ID at binding time: 8 characters of the original's alphabet.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateClassifierIdAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var text = element is PSObject p ? p.BaseObject?.ToString() : element?.ToString();
        if (!Identifier.IsValid(text))
        {
            throw new ValidationMetadataException(
                $"'{text}' is not a valid classifier ID. A classifier ID is 8 characters from '{Identifier.Alphabet}', such as 'rmaavduy'.");
        }
    }
}

/// <summary>Completes environments with every accepted spelling (labs, sandbox, staging, production, prod, dev).</summary>
public sealed class EnvironmentCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        return EnvironmentNames.AcceptedSpellings
            .Where(s => s.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, $"{s}: {EnvironmentNames.Parse(s).Name()}"));
    }
}

/// <summary>Shared by the completers: what the command line already says, and a time limit for remote stores.</summary>
internal static class CompletionContext
{
    public static string? Text(IDictionary bound, string name) => bound[name] switch
    {
        null => null,
        object[] a => a.FirstOrDefault()?.ToString(),
        var v => v.ToString(),
    };

    public static IReadOnlyList<KgEnvironment> Environments(IDictionary bound, params string[] names)
    {
        foreach (var name in names)
        {
            if (EnvironmentNames.TryParse(Text(bound, name), out var env))
            {
                return [env];
            }
        }
        return EnvironmentNames.All;
    }

    /// <summary>Runs a listing against the configured stores, giving up after two seconds so that completion never hangs.</summary>
    public static void Collect(IReadOnlyList<KgEnvironment> environments, Func<EnvironmentStore, CancellationToken, Task> collect)
    {
        try
        {
            using var scope = KgPaths.UseWorkingDirectory(CurrentLocation());
            var stores = new StoreProvider(KgSettings.Load(), () => Loading.Dependencies.Infrastructure.S3);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            foreach (var env in environments)
            {
                collect(stores.For(env), timeout.Token).GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is KgException or OperationCanceledException or IOException or UnauthorizedAccessException)
        {
            // Completion is best effort: offer what was found in time.
        }
    }

    public static string? CurrentLocation()
    {
        try
        {
            return Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;
        }
        catch (PSInvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>Completes Wikibase IDs from the concept folder (<c>-Path</c>/<c>-ConceptPath</c> if given, else the
/// configured one): by ID, and by label (typing "forest" offers Q787, "forestry sector").</summary>
public sealed class WikibaseIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var path = CompletionContext.Text(fakeBoundParameters, "ConceptPath") ?? CompletionContext.Text(fakeBoundParameters, "Path");
        var results = new List<CompletionResult>();
        try
        {
            using var scope = KgPaths.UseWorkingDirectory(CompletionContext.CurrentLocation());
            var source = ConceptSource.Resolve(path);
            var ids = source.ListIds();
            if (word.Length == 0 || word[0] is 'Q' or 'q' && word.Skip(1).All(char.IsAsciiDigit))
            {
                results.AddRange(ids.Where(i => i.Value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    .Select(i => new CompletionResult(i.Value, i.Value, CompletionResultType.ParameterValue, i.Value)));
            }
            else
            {
                // Labels live inside the files: read them (bounded) and offer the IDs of the concepts whose label matches.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                foreach (var id in ids)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(2))
                    {
                        break;
                    }
                    Concept concept;
                    try
                    {
                        concept = source.Get(id);
                    }
                    catch (KgException)
                    {
                        continue;
                    }
                    var label = concept.AllLabels.FirstOrDefault(l => l.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                        ?? concept.AllLabels.FirstOrDefault(l => l.Contains(word, StringComparison.OrdinalIgnoreCase));
                    if (label is not null)
                    {
                        results.Add(new CompletionResult(id.Value, $"{id} ({label})", CompletionResultType.ParameterValue, $"{id}: {concept.PreferredLabel}"));
                    }
                }
            }
        }
        catch (Exception e) when (e is KgException or IOException or UnauthorizedAccessException)
        {
        }
        return results;
    }
}

/// <summary>Completes classifier IDs from the store of the environment given (-Environment or -SourceEnvironment, else
/// all of them), for the concept given (-WikibaseId) when there is one.</summary>
public sealed class ClassifierIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var wikibaseId = CompletionContext.Text(fakeBoundParameters, "WikibaseId");
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        CompletionContext.Collect(CompletionContext.Environments(fakeBoundParameters, "SourceEnvironment", "Environment"), async (store, ct) =>
        {
            foreach (var v in await store.Models.ListAsync(WikibaseId.IsValid(wikibaseId) ? [wikibaseId!] : null, ct).ConfigureAwait(false))
            {
                found.TryAdd(v.ClassifierId, $"{v.WikibaseId} ({store.Environment.Name()})");
            }
        });
        return found.Where(kv => kv.Key.StartsWith(word, StringComparison.Ordinal))
            .Select(kv => new CompletionResult(kv.Key, kv.Key, CompletionResultType.ParameterValue, $"{kv.Key}: {kv.Value}"));
    }
}

/// <summary>Completes model versions (-Version, -ReferenceVersion, ...) that exist for the -WikibaseId and -ClassifierId
/// given, in the environment given.</summary>
public sealed class ModelVersionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var wikibaseId = CompletionContext.Text(fakeBoundParameters, "WikibaseId");
        var classifierId = CompletionContext.Text(fakeBoundParameters, "ClassifierId");
        var found = new SortedDictionary<ModelVersion, string>();
        if (WikibaseId.IsValid(wikibaseId))
        {
            CompletionContext.Collect(CompletionContext.Environments(fakeBoundParameters, "SourceEnvironment", "Environment"), async (store, ct) =>
            {
                foreach (var v in await store.Models.ListAsync([wikibaseId!], ct).ConfigureAwait(false))
                {
                    if (classifierId is null || v.ClassifierId == classifierId)
                    {
                        found[v.Version] = found.TryGetValue(v.Version, out var other) ? $"{other}; {v.ClassifierId} ({store.Environment.Name()})" : $"{v.ClassifierId} ({store.Environment.Name()})";
                    }
                }
            });
        }
        return found.Where(kv => kv.Key.ToString().StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(kv => new CompletionResult(kv.Key.ToString(), kv.Key.ToString(), CompletionResultType.ParameterValue, $"{kv.Key}: {kv.Value}"));
    }
}

/// <summary>Completes registry versions (-RegistryVersion) of the -WikibaseId given in the environment given, promoted ones first.</summary>
public sealed class RegistryVersionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var wikibaseId = CompletionContext.Text(fakeBoundParameters, "WikibaseId");
        var found = new List<(bool Promoted, ModelVersion Version, string Tip)>();
        if (WikibaseId.IsValid(wikibaseId))
        {
            CompletionContext.Collect(CompletionContext.Environments(fakeBoundParameters, "Environment"), async (store, ct) =>
            {
                var state = await store.Registry.GetAsync(wikibaseId!, ct).ConfigureAwait(false);
                found.AddRange(state.Entries.Select(e => (e.Promoted, e.RegistryVersion,
                    $"{e.RegistryVersion}: {e.ClassifierId} {e.ModelVersion}, {(e.Promoted ? e.Profile : "demoted")} ({store.Environment.Name()})")));
            });
        }
        return found.Where(f => f.Version.ToString().StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(f => f.Promoted).ThenBy(f => f.Version)
            .DistinctBy(f => f.Version)
            .Select(f => new CompletionResult(f.Version.ToString(), f.Version.ToString(), CompletionResultType.ParameterValue, f.Tip));
    }
}
