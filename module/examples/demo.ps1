#Requires -Version 7.6
<#
.SYNOPSIS
    The main job: the classifier lifecycle of the example concept Q9001 ("flooding"), step by step.

.DESCRIPTION
    Runs in a throwaway home folder (-HomePath) so that nothing touches your own stores or spec files.
    The example concept ships with the module in examples/concepts.
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../KnowledgeGraph.psd1'),
    [Parameter(Mandatory)] [string] $HomePath
)

$ErrorActionPreference = 'Stop'
$env:KG_HOME = (New-Item -ItemType Directory -Force -Path $HomePath).FullName
$env:KG_CONCEPT_PATH = Join-Path $PSScriptRoot 'concepts'
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

Show-Step 'The environments' 'Get-KgEnvironment'
Get-KgEnvironment | Format-Table Name, Value, SpecFile, StoreSource, Store | Out-Host
