/** Prints the configuration table the README carries. */
import { configTableMarkdown } from '../config/config.js';

console.log(configTableMarkdown());
