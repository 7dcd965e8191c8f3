using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using Microsoft.Playwright;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The evaluation report as a person sees it: rendered by a real Chromium, its plots drawn and its spans highlighted.</summary>
public sealed class ReportInBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Report()
    {
        var corpus = Path.Combine(_folder, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(i => i % 10 == 0 ? $"Timber exports from sawmill {i} rose." : $"Solar panel {i} was installed."));
        var classifier = new KeywordClassifier(new Concept("timber", ["sawmill"], wikibaseId: "Q787"));
        var scan = CorpusEvaluation.Scan(classifier, [corpus], 20, 1, null, null, TestContext.Current.CancellationToken);
        var html = EvaluationReport.Html(new EvaluationReportData
        {
            WikibaseId = "Q787", ConceptLabel = "timber", ClassifierName = classifier.Name, ClassifierId = classifier.Id, Threshold = 0.5,
            Rows = [ClassifierEvaluation.ForCorpus(scan, "Q787", classifier.Id, classifier.Name)],
            Curve = [new CurvePoint(0.95f, true, 1), new CurvePoint(0.8f, true, 1), new CurvePoint(0.6f, false, 1), new CurvePoint(0.55f, true, 1), new CurvePoint(0.2f, false, 1)],
            CurveSource = "five labelled passages",
            Corpus = scan,
            Examples = scan.Sample.Select(l => new ReportExample(l.Id, l.Text, l.Spans, l.Probability, l.Prediction, null)).ToArray(),
        });
        var path = Path.Combine(_folder, "report.html");
        File.WriteAllText(path, html);
        return path;
    }

    [Fact]
    public async Task The_report_renders_its_plots_and_highlighted_spans_in_chromium()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip($"Chromium is not installed at {Chromium} (apt-get install chromium; build.ps1 Test installs it when it runs as root).");
        }
        var path = Report();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        var failed = new List<string>();
        page.RequestFailed += (_, r) => failed.Add(r.Url);
        await page.GotoAsync(new Uri(path).AbsoluteUri);

        Assert.Equal("Q787 timber: KeywordClassifier " + new KeywordClassifier(new Concept("timber", ["sawmill"], wikibaseId: "Q787")).Id, await page.TitleAsync());
        // The precision-recall curve is drawn, with the threshold's dot on it.
        var curve = await page.Locator("#pr-curve path.curve").BoundingBoxAsync();
        Assert.NotNull(curve);
        Assert.True(curve!.Width > 50 && curve.Height > 10, $"curve {curve.Width}x{curve.Height}");
        Assert.True(await page.Locator("#chosen-threshold").IsVisibleAsync());
        var flagRate = await page.Locator("#flag-rate path.rate").BoundingBoxAsync();
        Assert.True(flagRate is { Width: > 50 }, "the flag-rate curve is drawn");
        // Spans are highlighted: marked, visible, with a background.
        var marks = page.Locator("div.passage.flagged mark");
        Assert.True(await marks.CountAsync() >= 10, $"{await marks.CountAsync()} highlighted spans");
        Assert.Equal("Timber", await marks.First.InnerTextAsync());
        var box = await marks.First.BoundingBoxAsync();
        Assert.True(box is { Width: > 10, Height: > 5 }, "the highlighted span has a size on the page");
        Assert.Equal("rgb(255, 213, 79)", await marks.First.EvaluateAsync<string>("m => getComputedStyle(m).backgroundColor"));
        Assert.Equal(0, await page.Locator("div.passage:not(.flagged) mark").CountAsync());
        Assert.Empty(failed); // self-contained: nothing to fetch
    }
}
