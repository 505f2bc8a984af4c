/**
 * zod's English messages ("Too big: expected string to have <=200 characters"), for the schemas written with
 * zod's mini build (which carries no messages of its own, so that a bundle takes only what it uses): the state
 * file's errors name the field and say what is wrong with it. The full build sets the same on import.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
