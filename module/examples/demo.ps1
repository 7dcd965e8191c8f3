#Requires -Version 7.6
<#
.SYNOPSIS
    The main job: the classifier lifecycle of the example concept Q9001 ("flooding"), step by step.

.DESCRIPTION
    Runs on the embedded (local) store in a throwaway home folder (-HomePath), so that nothing touches your own stores
    or spec files: read the concept, classify and evaluate, train and store a keyword classifier, promote it to sandbox
    as primary, train a learned span tagger and promote it as experimental, classify with it, set metadata through the
    pipeline, write and print the sandbox spec, look at the registry history, and demote both again. The span tagger
    learns from the example corpus too (negatives drawn from unlabelled text), and is then checked on that corpus:
    how much it flags, a review sample, and an HTML report. The example concept and corpus ship with the module in
    examples/.
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../KnowledgeGraph.psd1'),
    [Parameter(Mandatory)] [string] $HomePath
)

$ErrorActionPreference = 'Stop'
$env:KG_HOME = (New-Item -ItemType Directory -Force -Path $HomePath).FullName
$env:KG_CONCEPT_PATH = Join-Path $PSScriptRoot 'concepts'
$specs = Join-Path $env:KG_HOME 'classifier_specs'
New-Item -ItemType Directory -Force -Path (Join-Path $specs 'v2') | Out-Null
Import-Module $ModuleManifest

function Show-Step([string] $Title, [string] $Command) {
    Write-Host ''
    Write-Host "=== $Title" -ForegroundColor Green
    Write-Host "PS> $Command" -ForegroundColor DarkGray
}

Show-Step 'The example concept' 'Get-KgConcept Q9001'
$concept = Get-KgConcept Q9001
$concept | Format-Table | Out-Host

Show-Step 'Classify new text with the keyword classifier' "`$concept | Invoke-KgClassifier -Text ..."
$texts = @(
    'Heavy rain caused flash floods across the valley and the river burst its banks.'
    'The ministry received a flood of applications for solar subsidies.'
    'Storm surge barriers protect the harbour from coastal flooding.'
)
$concept | Invoke-KgClassifier -Text $texts | Format-Table Id, @{ n = 'Spans'; e = { ($_.Spans | ForEach-Object LabelledText) -join '; ' } }, Text -Wrap | Out-Host

Show-Step 'Evaluate it against the labelled passages' '$concept | Test-KgClassifier'
$concept | Test-KgClassifier | Format-Table Level, Precision, Recall, F1, Support, TruePositives, FalsePositives, FalseNegatives | Out-Host

Show-Step 'The environments (all on the embedded store here)' 'Get-KgEnvironment'
Get-KgEnvironment | Format-Table Name, Value, SpecFile, StoreSource | Out-Host

Show-Step 'Train and store a classifier in sandbox' 'Invoke-KgTraining Q9001 -Environment sandbox'
$trained = Invoke-KgTraining Q9001 -Environment sandbox
$trained | Format-Table WikibaseId, ClassifierId, ClassifierName, Version, Environment, SpanF1, CharacterF1 | Out-Host

Show-Step 'Promote it to sandbox as primary' '$trained | Publish-KgClassifier -AddClassifiersProfile primary'
$trained | Publish-KgClassifier -AddClassifiersProfile primary | Format-Table WikibaseId, ClassifierId, Version, RegistryVersion, ClassifiersProfile, Changed | Out-Host

$corpus = Join-Path $PSScriptRoot 'corpus/example-corpus.jsonl'
Show-Step 'Train a learned span tagger (TorchSharp, in a worker process), with negatives from a corpus, and promote it as experimental' "Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -CorpusPath $corpus | Publish-KgClassifier -AddClassifiersProfile experimental"
$tagger = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -CorpusPath $corpus
$tagger | Format-List ClassifierId, ClassifierName, Version, Device, TrainingPassages, EvaluationPassages, SpanF1, CharacterF1, Duration | Out-Host
$tagger | Publish-KgClassifier -AddClassifiersProfile experimental | Format-Table WikibaseId, ClassifierId, Version, RegistryVersion, ClassifiersProfile | Out-Host

Show-Step 'Classify new text with the stored span tagger' "Get-KgClassifier Q9001 -Environment sandbox -Promoted | Where-Object ClassifiersProfile -eq experimental | Invoke-KgClassifier -Text ..."
Get-KgClassifier Q9001 -Environment sandbox -Promoted | Where-Object ClassifiersProfile -eq experimental | Invoke-KgClassifier -Text $texts |
    Format-Table @{ n = 'Spans'; e = { ($_.Spans | ForEach-Object { '{0} ({1:N2})' -f $_.LabelledText, $_.PredictionProbability }) -join '; ' } }, Text -Wrap | Out-Host

Show-Step 'How much does it flag on unlabelled text? A review sample and a report' "Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $($tagger.ClassifierId) | Test-KgClassifier -CorpusPath ... -ReviewSamplePath ... -ReportPath ..."
$review = Join-Path $env:KG_HOME 'review.jsonl'
$report = Join-Path $env:KG_HOME 'Q9001-span-tagger.html'
Get-KgClassifier Q9001 -Environment sandbox -ClassifierId $tagger.ClassifierId |
    Test-KgClassifier -CorpusPath $corpus -ReviewSamplePath $review -ReviewSampleSize 20 -ReportPath $report |
    Format-Table Level, Precision, Recall, F1, Total, Flagged, FlagRate | Out-Host
Write-Host "A person labels the 20 lines of $review (set ""label"" to 1 or 0), then: Test-KgClassifier -CorpusPath ... -ReviewedPath $review"
Write-Host "The report: $report"

Show-Step 'Keep every promoted sandbox classifier off two sources, through the pipeline' 'Get-KgClassifier -Environment sandbox -Promoted | Set-KgClassifierMetadata -AddDontRunOn sabin, gef -PassThru'
Get-KgClassifier -Environment sandbox -Promoted | Set-KgClassifierMetadata -AddDontRunOn sabin, gef -PassThru |
    Format-Table WikibaseId, ClassifierId, Version, RegistryVersion, ClassifiersProfile, @{ n = 'DontRunOn'; e = { $_.DontRunOn -join ', ' } } | Out-Host

Show-Step 'Write the sandbox spec file' "Update-KgInferenceSpec sandbox -Path $specs -PassThru; Get-Content $specs/v2/sandbox.yaml"
Update-KgInferenceSpec sandbox -Path $specs -PassThru | Format-Table Environment, Entries, Changed, LinesAdded | Out-Host
Get-Content (Join-Path $specs 'v2/sandbox.yaml') | Out-Host

Show-Step 'The registry history' 'Get-KgClassifierHistory Q9001 -Environment sandbox'
Get-KgClassifierHistory Q9001 -Environment sandbox | Format-Table Sequence, User, Machine, Action, RegistryVersion, Change | Out-Host

Show-Step 'Demote both, and the spec is empty again' 'Get-KgClassifier Q9001 -Environment sandbox -Promoted | Unpublish-KgClassifier; Update-KgInferenceSpec sandbox -Path ...'
Get-KgClassifier Q9001 -Environment sandbox -Promoted | Unpublish-KgClassifier | Format-Table WikibaseId, ClassifierId, RegistryVersion, Promoted | Out-Host
Update-KgInferenceSpec sandbox -Path $specs
Get-Content (Join-Path $specs 'v2/sandbox.yaml') | Out-Host
