/**
 * Small classes that break the architecture rules on purpose, one arrow each, so {@code
 * ArchitectureRulesTest} can show that every rule reports a violation. Nothing uses them.
 */
package io.borealis.archfixture;
