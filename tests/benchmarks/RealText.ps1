#Requires -Version 7.6
<#
.SYNOPSIS
    Learned classifiers on real text, through the module as a user runs them (issue 8 §5): train Q787 with a corpus,
    run it over the 1,965 real text blocks of the document feed, and estimate precision and recall there with the
    review-sample workflow. Prints the figures.

.DESCRIPTION
    For the keyword classifier and each learned type, in a throwaway home folder:
      1. Invoke-KgTraining Q787 -CorpusPath <GST sentences>, <document_passage.json> (learned types);
      2. Test-KgClassifier -CorpusPath <document_passage.json> -ReviewSamplePath review.jsonl -ReviewSampleSize 200:
         the flag rate, and a sample stratified by the prediction;
      3. the sample is labelled from the developer's block labels (tests/benchmarks/labels/q787-document-passage.tsv:
         the 62 blocks with a forest-related word were read one by one; every other block was skimmed and is 0), the
         labelling step a person does by hand;
      4. Test-KgClassifier -ReviewedPath review-labelled.jsonl -ReportPath <type>.html: precision and recall on the feed,
         estimated, with 95% intervals; and, because every block has a label here, the exact figures too.
    Takes about 5 minutes on 2 cores.

    dotnet pwsh ./tests/benchmarks/RealText.ps1 [-Types SpanTagger] [-Seed 42] [-KeepReports ./reports]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [string] $SharedData = (Join-Path $PSScriptRoot '../../../shared/data'),
    [ValidateSet('Keyword', 'SpanTagger', 'PassageClassifier')]
    [string[]] $Types = @('Keyword', 'SpanTagger', 'PassageClassifier'),
    [int] $Seed = 42,
    [int] $ReviewSampleSize = 200,
    [string] $KeepReports
)

$ErrorActionPreference = 'Stop'
$SharedData = (Resolve-Path $SharedData).Path
$feed = Join-Path $SharedData 'documents/document_passage.json'
$corpus = @((Join-Path $SharedData 'corpus/gst-sentences.jsonl.gz'), $feed)
$labelsFile = Join-Path $PSScriptRoot 'labels/q787-document-passage.tsv'
$labels = @{}
Get-Content $labelsFile | Where-Object { $_ -and -not $_.StartsWith('#') } | ForEach-Object { $f = $_ -split "`t"; $labels[$f[0]] = [int]$f[1] }
$relevant = @($labels.Keys | Where-Object { $labels[$_] -eq 1 }).Count

$env:KG_HOME = Join-Path ([IO.Path]::GetTempPath()) ("kg-realtext-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $env:KG_HOME | Out-Null
Import-Module $ModuleManifest
Write-Host "realtext: Q787 on the $($feed | Split-Path -Leaf) feed; $relevant blocks labelled relevant; corpus: $($corpus -join ', '); home $env:KG_HOME"

try {
    foreach ($type in $Types) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $trained = Invoke-KgTraining Q787 -Environment labs -ClassifierType $type -ConceptPath (Join-Path $SharedData 'concepts') -Device Cpu -Seed $Seed `
            -CorpusPath ($type -eq 'Keyword' ? @() : $corpus)
        $trainSeconds = $clock.Elapsed.TotalSeconds
        $model = Get-KgClassifier Q787 -Environment labs -ClassifierId $trained.ClassifierId
        $sample = Join-Path $env:KG_HOME "$type-review.jsonl"
        $rows = $model | Test-KgClassifier -ConceptPath (Join-Path $SharedData 'concepts') -CorpusPath $feed -ReviewSamplePath $sample -ReviewSampleSize $ReviewSampleSize
        $flagRow = $rows | Where-Object Level -eq Corpus

        # The labelling step: each line of the sample gets the developer's label of its block.
        $read = 0
        $labelled = Get-Content $sample | ConvertFrom-Json | ForEach-Object {
            if ($labels.ContainsKey($_.id)) { $read++ }
            $_.label = $labels.ContainsKey($_.id) ? $labels[$_.id] : 0
            $_ | ConvertTo-Json -Compress -Depth 6
        }
        $reviewed = Join-Path $env:KG_HOME "$type-review-labelled.jsonl"
        $labelled | Set-Content $reviewed
        $report = Join-Path ($KeepReports ? (New-Item -ItemType Directory -Force $KeepReports).FullName : $env:KG_HOME) "q787-$type.html"
        $estimate = $model | Test-KgClassifier -ConceptPath (Join-Path $SharedData 'concepts') -CorpusPath $feed -ReviewedPath $reviewed -ReportPath $report -Force |
            Where-Object Level -eq 'Corpus (reviewed)'

        # Exact, since every block has a label: the flagged blocks against the key.
        $blocks = Get-Content $feed -Raw | ConvertFrom-Json
        $ids = $blocks | ForEach-Object { ($_.id -split '::')[-1] }
        $predictions = $model | Invoke-KgClassifier -Text ($blocks | ForEach-Object { $_.fields.text_block })
        $flagged = @(for ($i = 0; $i -lt $ids.Count; $i++) { if ($predictions[$i].Spans.Count -gt 0) { $ids[$i] } })
        $tp = @($flagged | Where-Object { $labels[$_] -eq 1 }).Count
        $heldOut = ($trained.Metrics | Where-Object Level -eq 'Span@0.5').F1

        '{0}: {1}; trained in {2:F1} s (held-out fold 0 Span@0.5 F1 {3:F3}); flagged {4} of {5} blocks ({6:P2})' -f `
            $type, $trained.ClassifierId, $trainSeconds, $heldOut, $flagRow.Flagged, $flagRow.Total, $flagRow.FlagRate | Write-Host
        '    review sample: {0} lines ({1} flagged), {2} of them blocks read one by one, the rest skimmed' -f `
            $estimate.Reviewed, @(Get-Content $reviewed | ConvertFrom-Json | Where-Object prediction).Count, $read | Write-Host
        '    estimated from the review: precision {0:F3} [{1:F3}, {2:F3}], recall {3:F3} [{4:F3}, {5:F3}] (95%)' -f `
            $estimate.Precision, $estimate.PrecisionLow, $estimate.PrecisionHigh, $estimate.Recall, $estimate.RecallLow, $estimate.RecallHigh | Write-Host
        '    exact against every block''s label: precision {0:F3}, recall {1:F3} ({2} of {3} relevant blocks found, {4} false positives)' -f `
            ($flagged.Count ? $tp / $flagged.Count : 0), ($tp / $relevant), $tp, $relevant, ($flagged.Count - $tp) | Write-Host
        "    report: $report" | Write-Host
    }
}
finally {
    if (-not $KeepReports) { Remove-Item $env:KG_HOME -Recurse -Force -ErrorAction SilentlyContinue }
}
