// Types for the parts of `natural` we import directly. Importing the package root loads
// every backend it ships (and their dotenv notices); these submodules are all we use.
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  const stemmer: { stem(word: string): string };
  export default stemmer;
}
declare module 'natural/lib/natural/util/stopwords' {
  export const words: string[];
}
declare module 'natural/lib/natural/distance/levenshtein_distance' {
  export function DamerauLevenshteinDistance(
    source: string,
    target: string,
    options?: { transposition_cost?: number; restricted?: boolean },
  ): number;
}
