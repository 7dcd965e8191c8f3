namespace KnowledgeGraph.WandB;

/// <summary>The GraphQL operations KgTools sends to W&amp;B. Operation names, root fields, argument and input types and
/// the fields selected are those of W&amp;B's public SDK (its Go core's <c>core/api/graphql/*.graphql</c> and the Python
/// SDK's <c>tools/graphql_codegen/artifacts/*.graphql</c>), selecting only what KgTools reads. The tests' W&amp;B
/// stand-in validates every request against a schema rebuilt from the SDK's generated types.</summary>
internal static class WandBOperations
{
    private const string Artifact = """
        fragment ArtifactFragment on Artifact {
          __typename
          id
          artifactSequence { __typename name project { name entity { name } } }
          versionIndex
          artifactType { name }
          description
          metadata
          tags { __typename id name }
          state
          digest
          createdAt
          updatedAt
        }
        """;

    private const string Membership = """
        fragment ArtifactMembershipFragment on ArtifactCollectionMembership {
          __typename
          id
          versionIndex
          aliases { __typename id alias }
          artifactCollection { __typename name project { name entity { name } } }
          artifact { ...ArtifactFragment }
        }
        """;

    public const string Viewer = """
        query Viewer {
          viewer {
            id
            entity
            username
            email
            teams { edges { node { name } } }
          }
        }
        """;

    public const string FetchOrgEntityFromEntity = """
        query FetchOrgEntityFromEntity($entityName: String!) {
          entity(name: $entityName) {
            organization {
              name
              orgEntity { name }
            }
          }
        }
        """;

    public const string ArtifactMembershipByName = """
        query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
          project(name: $project, entityName: $entity) {
            artifactCollectionMembership(name: $name) { ...ArtifactMembershipFragment }
          }
        }
        """ + Membership + Artifact;

    public const string ArtifactByID = """
        query ArtifactByID($id: ID!) {
          artifact(id: $id) { ...ArtifactFragment }
        }
        """ + Artifact;

    public const string RegistryVersions = """
        query RegistryVersions($organization: String!, $registryFilter: JSONString, $collectionFilter: JSONString, $artifactFilter: JSONString, $cursor: String, $perPage: Int) {
          organization(name: $organization) {
            orgEntity {
              name
              artifactMemberships(projectFilters: $registryFilter, collectionFilters: $collectionFilter, filters: $artifactFilter, after: $cursor, first: $perPage) {
                pageInfo { __typename endCursor hasNextPage }
                edges { node { ...ArtifactMembershipFragment } }
              }
            }
          }
        }
        """ + Membership + Artifact;

    public const string RegistryUserMembers = """
        query RegistryUserMembers($project: String!, $entity: String!) {
          project(name: $project, entityName: $entity) {
            members { id username role { name } }
          }
        }
        """;

    public const string RegistryTeamMembers = """
        query RegistryTeamMembers($project: String!, $entity: String!) {
          project(name: $project, entityName: $entity) {
            teamMembers { team { name } role { name } }
          }
        }
        """;

    public const string UpsertBucket = """
        mutation UpsertBucket($name: String, $project: String, $entity: String, $displayName: String, $config: JSONString, $host: String, $jobType: String, $tags: [String!], $summaryMetrics: JSONString) {
          upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, displayName: $displayName, config: $config, host: $host, jobType: $jobType, tags: $tags, summaryMetrics: $summaryMetrics}) {
            bucket { id name displayName project { id name entity { id name } } }
            inserted
          }
        }
        """;

    public const string CreateRunFiles = """
        mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
          createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
            runID
            uploadHeaders
            files { name uploadUrl }
          }
        }
        """;

    public const string CreateArtifact = """
        mutation CreateArtifact($input: CreateArtifactInput!) {
          createArtifact(input: $input) {
            artifact {
              id
              state
              artifactSequence { latestArtifact { id } }
            }
          }
        }
        """;

    public const string CreateArtifactManifest = """
        mutation CreateArtifactManifest($artifactID: ID!, $baseArtifactID: ID, $name: String!, $digest: String!, $entityName: String!, $projectName: String!, $runName: String!, $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) {
          createArtifactManifest(input: {artifactID: $artifactID, baseArtifactID: $baseArtifactID, name: $name, digest: $digest, entityName: $entityName, projectName: $projectName, runName: $runName, type: $manifestType}) {
            artifactManifest {
              id
              file {
                id
                uploadUrl @include(if: $includeUpload)
                uploadHeaders @include(if: $includeUpload)
              }
            }
          }
        }
        """;

    public const string UpdateArtifactManifest = """
        mutation UpdateArtifactManifest($artifactManifestID: ID!, $digest: String, $baseArtifactID: ID, $includeUpload: Boolean!) {
          updateArtifactManifest(input: {artifactManifestID: $artifactManifestID, digest: $digest, baseArtifactID: $baseArtifactID}) {
            artifactManifest {
              id
              file {
                id
                uploadUrl @include(if: $includeUpload)
                uploadHeaders @include(if: $includeUpload)
              }
            }
          }
        }
        """;

    public const string CreateArtifactFiles = """
        mutation CreateArtifactFiles($artifactFiles: [CreateArtifactFileSpecInput!]!, $storageLayout: ArtifactStorageLayout!) {
          createArtifactFiles(input: {artifactFiles: $artifactFiles, storageLayout: $storageLayout}) {
            files {
              edges {
                node {
                  storagePath
                  uploadUrl
                  uploadHeaders
                  artifact { id }
                }
              }
            }
          }
        }
        """;

    public const string CommitArtifact = """
        mutation CommitArtifact($artifactID: ID!) {
          commitArtifact(input: {artifactID: $artifactID}) {
            artifact { id digest }
          }
        }
        """;

    public const string UseArtifact = """
        mutation UseArtifact($input: UseArtifactInput!) {
          useArtifact(input: $input) {
            artifact { id }
          }
        }
        """;

    public const string LinkArtifact = """
        mutation LinkArtifact($input: LinkArtifactInput!) {
          result: linkArtifact(input: $input) {
            versionIndex
            artifactMembership { ...ArtifactMembershipFragment }
          }
        }
        """ + Membership + Artifact;

    public const string UpdateArtifact = """
        mutation UpdateArtifact($input: UpdateArtifactInput!) {
          result: updateArtifact(input: $input) {
            artifact { ...ArtifactFragment }
          }
        }
        """ + Artifact;
}
